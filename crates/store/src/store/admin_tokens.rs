use crate::StoreError;
use async_trait::async_trait;
use twofold_core::UnixTime;
use twofold_core::admin_token::{AdminToken, Revocation};
use twofold_core::secrets::TokenHash;

/// Admin tokens: stored by keyed hash, never in clear.
#[async_trait]
pub trait AdminTokens: Send + Sync {
    async fn insert_admin_token(
        &self,
        token: &AdminToken,
        hash: &TokenHash,
    ) -> Result<(), StoreError>;

    /// The admin token with this hash, if it exists (revoked tokens do not).
    async fn admin_token_by_hash(&self, hash: &TokenHash)
    -> Result<Option<AdminToken>, StoreError>;

    /// The tenant's admin tokens, oldest first.
    async fn admin_tokens(&self, tenant_id: &str) -> Result<Vec<AdminToken>, StoreError>;

    async fn record_admin_token_use(&self, id: &str, now: UnixTime) -> Result<(), StoreError>;

    /// Deletes the token unless it is the tenant's last.
    async fn revoke_admin_token(&self, tenant_id: &str, id: &str)
    -> Result<Revocation, StoreError>;
}
