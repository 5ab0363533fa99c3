use async_trait::async_trait;
use twofold_core::Factor;
use twofold_core::UnixTime;
use twofold_core::authenticator::Authenticator;
use twofold_core::secrets::TokenHash;

use super::PgStore;
use super::authenticators::{INSERT_AUTHENTICATOR, bind_authenticator};
use super::rows::count;
use crate::{BackupCodes, StoreError};

#[async_trait]
impl BackupCodes for PgStore {
    /// Two statements in one transaction: the old set's cascade has run before the new codes go
    /// in (a code of the new set may hash as one of the old), and the new authenticator with all
    /// its codes is one statement.
    async fn replace_backup_codes(
        &self,
        a: &Authenticator,
        hashes: &[TokenHash],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM authenticators WHERE user_id = $1 AND factor = $2")
            .bind(&a.user_id)
            .bind(Factor::BackupCode.as_str())
            .execute(&mut *tx)
            .await?;
        let insert = format!(
            "WITH added AS ({INSERT_AUTHENTICATOR} RETURNING id, user_id) \
             INSERT INTO backup_codes (authenticator_id, user_id, code_hash, used_at) \
             SELECT added.id, added.user_id, code, NULL FROM added, unnest($11::bytea[]) AS code"
        );
        let codes: Vec<[u8; 32]> = hashes.iter().map(|h| h.0).collect();
        bind_authenticator(sqlx::query(sqlx::AssertSqlSafe(insert)), a)?
            .bind(codes)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn consume_backup_code(
        &self,
        user_id: &str,
        hash: &TokenHash,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE backup_codes SET used_at = $1 \
             WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(now.0)
        .bind(user_id)
        .bind(hash.0)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn unused_backup_codes(&self, user_id: &str) -> Result<u32, StoreError> {
        let row = sqlx::query(
            "SELECT count(*) AS n FROM backup_codes WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?;
        count(&row, "n")
    }
}
