use crate::StoreError;
use async_trait::async_trait;
use twofold_core::UnixTime;
use twofold_core::grant::{Grant, Redemption, Rotation};
use twofold_core::secrets::TokenHash;

/// Grants: authorization codes and refresh tokens, each used once.
#[async_trait]
pub trait Grants: Send + Sync {
    async fn insert_grant(&self, grant: &Grant, code: &TokenHash) -> Result<(), StoreError>;

    async fn grant(&self, id: &str) -> Result<Option<Grant>, StoreError>;

    /// Uses the authorization code once: the grant for the first caller, `Replayed` after.
    async fn redeem_code(&self, code: &TokenHash, now: UnixTime) -> Result<Redemption, StoreError>;

    /// Revokes the grant and its unused refresh tokens; true when it was live.
    async fn revoke_grant(&self, id: &str, now: UnixTime) -> Result<bool, StoreError>;

    /// Revokes every live grant that came from the session; how many.
    async fn revoke_grants_of_session(
        &self,
        session_id: &str,
        now: UnixTime,
    ) -> Result<u64, StoreError>;

    async fn insert_refresh_token(
        &self,
        hash: &TokenHash,
        grant_id: &str,
        now: UnixTime,
        expires_at: UnixTime,
    ) -> Result<(), StoreError>;

    /// Uses a refresh token once: `Rotated` for the first caller, `Reused` after.
    async fn rotate_refresh_token(
        &self,
        hash: &TokenHash,
        now: UnixTime,
    ) -> Result<Rotation, StoreError>;
}
