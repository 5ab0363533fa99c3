use async_trait::async_trait;
use twofold_core::Factor;
use twofold_core::UnixTime;
use twofold_core::authenticator::Authenticator;
use twofold_core::secrets::TokenHash;

use super::SqliteStore;
use super::authenticators::insert;
use super::rows::{count, execute, one};
use crate::{BackupCodes, StoreError};

#[async_trait]
impl BackupCodes for SqliteStore {
    async fn replace_backup_codes(
        &self,
        authenticator: &Authenticator,
        hashes: &[TokenHash],
    ) -> Result<(), StoreError> {
        let authenticator = authenticator.clone();
        let hashes: Vec<[u8; 32]> = hashes.iter().map(|h| h.0).collect();
        self.write(move |conn| {
            execute(
                conn,
                "DELETE FROM authenticators WHERE user_id = ?1 AND factor = ?2",
                (&authenticator.user_id, Factor::BackupCode.as_str()),
            )?;
            insert(conn, &authenticator)?;
            for hash in hashes {
                execute(
                    conn,
                    "INSERT INTO backup_codes (authenticator_id, user_id, code_hash, used_at) \
                     VALUES (?1, ?2, ?3, NULL)",
                    (&authenticator.id, &authenticator.user_id, hash),
                )?;
            }
            Ok(())
        })
        .await
    }

    async fn consume_backup_code(
        &self,
        user_id: &str,
        hash: &TokenHash,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        let (user_id, hash) = (user_id.to_owned(), hash.0);
        self.write(move |conn| {
            let consumed = execute(
                conn,
                "UPDATE backup_codes SET used_at = ?1 \
                 WHERE user_id = ?2 AND code_hash = ?3 AND used_at IS NULL",
                (now.0, user_id, hash),
            )?;
            Ok(consumed == 1)
        })
        .await
    }

    async fn unused_backup_codes(&self, user_id: &str) -> Result<u32, StoreError> {
        let user_id = user_id.to_owned();
        self.read(move |conn| {
            one(
                conn,
                "SELECT COUNT(*) AS n FROM backup_codes WHERE user_id = ?1 AND used_at IS NULL",
                [user_id],
                |row| count(row, "n"),
            )
            .map(Option::unwrap_or_default)
        })
        .await
    }
}
