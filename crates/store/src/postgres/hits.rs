//! Hits counted over rolling windows: one row per (scope, key, time) in the `sends` table —
//! code sends for the send quotas, failed passwords per client address for the throttle.

use async_trait::async_trait;
use sqlx::{PgExecutor, Row};
use twofold_core::UnixTime;
use twofold_core::quota::{Scope, WindowCount};

use super::PgStore;
use super::rows::{count, time};
use crate::{Hit, Hits, StoreError};

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
        let hits: Vec<Hit> = keys
            .iter()
            .map(|(scope, key)| Hit {
                tenant_id: tenant_id.to_owned(),
                scope: *scope,
                key: key.clone(),
                at,
            })
            .collect();
        Ok(insert(&self.pool, &hits).await?)
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

/// One statement: the rows that aged out (as of the newest hit) go, the hits come in; answers
/// their row ids.
pub(super) async fn insert<'e>(
    db: impl PgExecutor<'e>,
    hits: &[Hit],
) -> Result<Vec<i64>, sqlx::Error> {
    let Some(newest) = hits.iter().map(|h| h.at.0).max() else {
        return Ok(Vec::new());
    };
    let tenants: Vec<&str> = hits.iter().map(|h| h.tenant_id.as_str()).collect();
    let scopes: Vec<&str> = hits.iter().map(|h| h.scope.as_str()).collect();
    let keys: Vec<&str> = hits.iter().map(|h| h.key.as_str()).collect();
    let at: Vec<i64> = hits.iter().map(|h| h.at.0).collect();
    let found = sqlx::query(
        "WITH pruned AS (DELETE FROM sends WHERE at < $5) \
         INSERT INTO sends (tenant_id, scope, key, at) \
         SELECT tenant_id, scope, key, at \
         FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[]) AS k (tenant_id, scope, key, at) \
         RETURNING id",
    )
    .bind(tenants)
    .bind(scopes)
    .bind(keys)
    .bind(at)
    .bind(newest - KEEP_SECONDS)
    .fetch_all(db)
    .await?;
    found
        .iter()
        .map(|row| row.try_get::<i64, _>("id"))
        .collect()
}
