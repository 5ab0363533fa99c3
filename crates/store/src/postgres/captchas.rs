//! Spent ALTCHA challenges: one insert that cannot happen twice for one id, on any node.

use async_trait::async_trait;
use twofold_core::UnixTime;

use super::PgStore;
use crate::{Captchas, StoreError};

#[async_trait]
impl Captchas for PgStore {
    async fn spend_captcha(
        &self,
        id: &str,
        expires: UnixTime,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        // Two statements: within one, the insert would still see a row its own CTE deletes.
        sqlx::query("DELETE FROM spent_captchas WHERE expires_at <= $1")
            .bind(now.0)
            .execute(&self.pool)
            .await?;
        // The insert alone decides: of racing spends of one id, one inserts.
        let done = sqlx::query(
            "INSERT INTO spent_captchas (id, expires_at) VALUES ($1, $2) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(expires.0)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
