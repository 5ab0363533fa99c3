use sqlx::Row;
use twofold_core::Factor;
use twofold_core::UnixTime;
use twofold_core::authenticator::Authenticator;
use twofold_core::secrets::TokenHash;

use super::SqlStore;
use super::authenticators::{INSERT_AUTHENTICATOR, bind_authenticator};
use crate::StoreError;

impl SqlStore {
    pub(super) async fn replace_backup_codes_rows(
        &self,
        a: &Authenticator,
        hashes: &[TokenHash],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        // The delete comes first so SQLite takes the write lock at once, not on upgrade.
        sqlx::query("DELETE FROM authenticators WHERE user_id = $1 AND factor = $2")
            .bind(&a.user_id)
            .bind(Factor::BackupCode.as_str())
            .execute(&mut *tx)
            .await?;
        bind_authenticator(sqlx::query(INSERT_AUTHENTICATOR), a)?
            .execute(&mut *tx)
            .await?;
        for hash in hashes {
            sqlx::query("INSERT INTO backup_codes (authenticator_id, user_id, code_hash, used_at) VALUES ($1, $2, $3, NULL)")
                .bind(&a.id)
                .bind(&a.user_id)
                .bind(hash.0.to_vec())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn consume_backup_code_row(
        &self,
        user_id: &str,
        hash: &TokenHash,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE backup_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(now.0)
        .bind(user_id)
        .bind(hash.0.to_vec())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(super) async fn unused_backup_codes_row(&self, user_id: &str) -> Result<u32, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM backup_codes WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?;
        u32::try_from(row.try_get::<i64, _>("n")?)
            .map_err(|_| StoreError::Corrupt("count".to_owned()))
    }
}
