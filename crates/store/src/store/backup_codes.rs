use crate::StoreError;
use async_trait::async_trait;
use twofold_core::UnixTime;
use twofold_core::authenticator::Authenticator;
use twofold_core::secrets::TokenHash;

/// Backup codes, stored as keyed hashes, each usable once.
#[async_trait]
pub trait BackupCodes: Send + Sync {
    /// Stores a new backup-code authenticator with its code hashes, removing any earlier set.
    async fn replace_backup_codes(
        &self,
        authenticator: &Authenticator,
        hashes: &[TokenHash],
    ) -> Result<(), StoreError>;

    /// Marks the code used if it exists and is unused; true for exactly one caller.
    async fn consume_backup_code(
        &self,
        user_id: &str,
        hash: &TokenHash,
        now: UnixTime,
    ) -> Result<bool, StoreError>;

    async fn unused_backup_codes(&self, user_id: &str) -> Result<u32, StoreError>;
}
