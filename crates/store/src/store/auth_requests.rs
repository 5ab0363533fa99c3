use crate::StoreError;
use async_trait::async_trait;
use twofold_core::UnixTime;
use twofold_core::authorize::AuthRequest;

/// OAuth authorization requests waiting for a sign-in.
#[async_trait]
pub trait AuthRequests: Send + Sync {
    async fn insert_auth_request(&self, request: &AuthRequest) -> Result<(), StoreError>;

    async fn auth_request(&self, id: &str) -> Result<Option<AuthRequest>, StoreError>;

    /// Binds a live, unanswered request to the session a login UI started for it; the first
    /// session keeps it until that session is deleted.
    async fn bind_auth_request(
        &self,
        id: &str,
        session_id: &str,
        now: UnixTime,
    ) -> Result<bool, StoreError>;

    /// Marks a live request answered for `session_id` (its bound session, or any while none is);
    /// true for exactly one caller.
    async fn consume_auth_request(
        &self,
        id: &str,
        session_id: &str,
        now: UnixTime,
    ) -> Result<bool, StoreError>;
}
