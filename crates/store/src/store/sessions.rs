use crate::StoreError;
use async_trait::async_trait;
use twofold_core::secrets::TokenHash;
use twofold_core::session::Session;

/// Sign-in sessions and their rotating tokens.
#[async_trait]
pub trait Sessions: Send + Sync {
    async fn insert_session(&self, session: &Session, token: &TokenHash) -> Result<(), StoreError>;

    async fn session(&self, id: &str) -> Result<Option<(Session, TokenHash)>, StoreError>;

    /// The session a bearer token belongs to (the hash is keyed, so the lookup leaks nothing).
    async fn session_by_token(&self, token: &TokenHash) -> Result<Option<Session>, StoreError>;

    /// Saves the session and rotates its token, only if `expected` is still the current token:
    /// of two updates racing with one token, one wins.
    async fn update_session(
        &self,
        session: &Session,
        expected: &TokenHash,
        next: &TokenHash,
    ) -> Result<bool, StoreError>;

    async fn delete_session(&self, id: &str) -> Result<bool, StoreError>;

    /// Saves the session's risk score without touching its token.
    async fn set_session_risk(&self, session: &Session) -> Result<bool, StoreError>;
}
