use crate::StoreError;
use async_trait::async_trait;
use twofold_core::UnixTime;
use twofold_core::signing_key::SigningKey;

/// The tenant's token-signing keys.
#[async_trait]
pub trait SigningKeys: Send + Sync {
    async fn insert_signing_key(&self, key: &SigningKey) -> Result<(), StoreError>;

    /// The tenant's keys, newest first.
    async fn signing_keys(&self, tenant_id: &str) -> Result<Vec<SigningKey>, StoreError>;

    /// Marks every other active key retired (after a new key took over).
    async fn retire_signing_keys(
        &self,
        tenant_id: &str,
        except_kid: &str,
        at: UnixTime,
    ) -> Result<u64, StoreError>;
}
