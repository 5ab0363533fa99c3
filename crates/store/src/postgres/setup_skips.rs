use async_trait::async_trait;
use sqlx::Row;
use twofold_core::UnixTime;

use super::PgStore;
use crate::{SetupSkips, StoreError};

#[async_trait]
impl SetupSkips for PgStore {
    async fn skip_mfa_setup(&self, user_id: &str, until: UnixTime) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO mfa_setup_skips (user_id, skipped_until) VALUES ($1, $2) \
             ON CONFLICT (user_id) DO UPDATE SET skipped_until = excluded.skipped_until",
        )
        .bind(user_id)
        .bind(until.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn mfa_setup_skipped_until(&self, user_id: &str) -> Result<Option<UnixTime>, StoreError> {
        let row = sqlx::query("SELECT skipped_until FROM mfa_setup_skips WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .map(|r| r.try_get::<i64, _>("skipped_until"))
            .transpose()?
            .map(UnixTime))
    }
}
