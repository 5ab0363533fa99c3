//! Hits counted over rolling windows: one row per (scope, key, time) in the `sends` table —
//! code sends for the send quotas, failed passwords per client address for the throttle.

use sqlx::Row;
use twofold_core::UnixTime;
use twofold_core::quota::{Scope, WindowCount};

use super::SqlStore;
use crate::StoreError;

/// The longest window a quota may have; older rows are pruned.
const KEEP_SECONDS: i64 = 2_592_000;

impl SqlStore {
    pub(super) async fn record_hits_rows(
        &self,
        tenant_id: &str,
        keys: &[(Scope, String)],
        at: UnixTime,
    ) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM sends WHERE at < $1")
            .bind(at.0 - KEEP_SECONDS)
            .execute(&mut *tx)
            .await?;
        let mut ids = Vec::with_capacity(keys.len());
        for (scope, key) in keys {
            let row = sqlx::query("INSERT INTO sends (tenant_id, scope, key, at) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(tenant_id)
                .bind(scope.as_str())
                .bind(key)
                .bind(at.0)
                .fetch_one(&mut *tx)
                .await?;
            ids.push(row.try_get::<i64, _>(0)?);
        }
        tx.commit().await?;
        Ok(ids)
    }

    pub(super) async fn forget_hits_rows(&self, ids: &[i64]) -> Result<(), StoreError> {
        for id in ids {
            sqlx::query("DELETE FROM sends WHERE id = $1")
                .bind(id)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    pub(super) async fn count_hits_row(
        &self,
        tenant_id: &str,
        scope: Scope,
        key: &str,
        since: UnixTime,
    ) -> Result<WindowCount, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, COALESCE(MIN(at), 0) AS oldest FROM sends \
             WHERE tenant_id = $1 AND scope = $2 AND key = $3 AND at > $4",
        )
        .bind(tenant_id)
        .bind(scope.as_str())
        .bind(key)
        .bind(since.0)
        .fetch_one(&self.pool)
        .await?;
        Ok(WindowCount {
            count: u32::try_from(row.try_get::<i64, _>("n")?)
                .map_err(|_| StoreError::Corrupt("count".into()))?,
            oldest: UnixTime(row.try_get("oldest")?),
        })
    }
}
