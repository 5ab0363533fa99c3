//! Hits counted over rolling windows: one row per (scope, key, time) in the `sends` table —
//! code sends for the send quotas, failed passwords per client address for the throttle.

use async_trait::async_trait;
use sqlx::Row;
use twofold_core::UnixTime;
use twofold_core::quota::{Scope, WindowCount};

use super::PgStore;
use super::rows::{count, time};
use crate::{Hits, StoreError};

/// The longest window a quota may have; older rows are pruned.
const KEEP_SECONDS: i64 = 2_592_000;

#[async_trait]
impl Hits for PgStore {
    /// One statement: the rows that aged out go, one row per key comes in.
    async fn record_hits(
        &self,
        tenant_id: &str,
        keys: &[(Scope, String)],
        at: UnixTime,
    ) -> Result<Vec<i64>, StoreError> {
        let scopes: Vec<&str> = keys.iter().map(|(scope, _)| scope.as_str()).collect();
        let names: Vec<&str> = keys.iter().map(|(_, key)| key.as_str()).collect();
        let found = sqlx::query(
            "WITH pruned AS (DELETE FROM sends WHERE at < $5) \
             INSERT INTO sends (tenant_id, scope, key, at) \
             SELECT $1, scope, key, $4 FROM unnest($2::text[], $3::text[]) AS k (scope, key) \
             RETURNING id",
        )
        .bind(tenant_id)
        .bind(scopes)
        .bind(names)
        .bind(at.0)
        .bind(at.0 - KEEP_SECONDS)
        .fetch_all(&self.pool)
        .await?;
        found
            .iter()
            .map(|row| Ok(row.try_get::<i64, _>("id")?))
            .collect()
    }

    async fn forget_hits(&self, ids: &[i64]) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sends WHERE id = ANY($1)")
            .bind(ids)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn count_hits(
        &self,
        tenant_id: &str,
        scope: Scope,
        key: &str,
        since: UnixTime,
    ) -> Result<WindowCount, StoreError> {
        let row = sqlx::query(
            "SELECT count(*) AS n, COALESCE(min(at), 0) AS oldest FROM sends \
             WHERE tenant_id = $1 AND scope = $2 AND key = $3 AND at > $4",
        )
        .bind(tenant_id)
        .bind(scope.as_str())
        .bind(key)
        .bind(since.0)
        .fetch_one(&self.pool)
        .await?;
        Ok(WindowCount {
            count: count(&row, "n")?,
            oldest: time(&row, "oldest")?,
        })
    }
}
