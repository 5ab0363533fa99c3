//! Hits counted over rolling windows: one row per (scope, key, time) in the `sends` table — code
//! sends for the send quotas, failed passwords per client address for the throttle.

use async_trait::async_trait;
use rusqlite::Connection;
use twofold_core::UnixTime;
use twofold_core::quota::{Scope, WindowCount};

use super::SqliteStore;
use super::rows::{count, execute, one, time};
use crate::{Hits, StoreError};

/// The longest window a quota may have; older rows are pruned.
const KEEP_SECONDS: i64 = 2_592_000;

#[async_trait]
impl Hits for SqliteStore {
    async fn record_hits(
        &self,
        tenant_id: &str,
        keys: &[(Scope, String)],
        at: UnixTime,
    ) -> Result<Vec<i64>, StoreError> {
        let (tenant_id, keys) = (tenant_id.to_owned(), keys.to_vec());
        self.write(move |conn| {
            prune(conn, at)?;
            let mut ids = Vec::with_capacity(keys.len());
            for (scope, key) in keys {
                ids.push(insert(conn, &tenant_id, scope, &key, at)?);
            }
            Ok(ids)
        })
        .await
    }

    async fn forget_hits(&self, ids: &[i64]) -> Result<(), StoreError> {
        let ids = ids.to_vec();
        self.write(move |conn| {
            for id in ids {
                execute(conn, "DELETE FROM sends WHERE id = ?1", [id])?;
            }
            Ok(())
        })
        .await
    }

    async fn count_hits(
        &self,
        tenant_id: &str,
        scope: Scope,
        key: &str,
        since: UnixTime,
    ) -> Result<WindowCount, StoreError> {
        let (tenant_id, key) = (tenant_id.to_owned(), key.to_owned());
        self.read(move |conn| {
            one(
                conn,
                "SELECT COUNT(*) AS n, COALESCE(MIN(at), 0) AS oldest FROM sends \
                 WHERE tenant_id = ?1 AND scope = ?2 AND key = ?3 AND at > ?4",
                (tenant_id, scope.as_str(), key, since.0),
                |row| {
                    Ok(WindowCount {
                        count: count(row, "n")?,
                        oldest: time(row, "oldest")?,
                    })
                },
            )?
            .ok_or_else(|| StoreError::Database("COUNT answered no row".to_owned()))
        })
        .await
    }
}

/// Drops the rows older than the longest window, as of `at`.
pub(super) fn prune(conn: &Connection, at: UnixTime) -> Result<(), StoreError> {
    execute(
        conn,
        "DELETE FROM sends WHERE at < ?1",
        [at.0 - KEEP_SECONDS],
    )?;
    Ok(())
}

/// One hit; answers its row id.
pub(super) fn insert(
    conn: &Connection,
    tenant_id: &str,
    scope: Scope,
    key: &str,
    at: UnixTime,
) -> Result<i64, StoreError> {
    execute(
        conn,
        "INSERT INTO sends (tenant_id, scope, key, at) VALUES (?1, ?2, ?3, ?4)",
        (tenant_id, scope.as_str(), key, at.0),
    )?;
    Ok(conn.last_insert_rowid())
}
