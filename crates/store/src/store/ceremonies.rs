use crate::StoreError;
use async_trait::async_trait;
use twofold_core::UnixTime;
use twofold_core::webauthn::Ceremony;

/// WebAuthn ceremonies in flight: stored once, taken once.
#[async_trait]
pub trait Ceremonies: Send + Sync {
    /// Stores a WebAuthn ceremony, voiding an earlier one of its session or authenticator.
    async fn replace_ceremony(&self, ceremony: &Ceremony) -> Result<(), StoreError>;

    /// Takes (deletes) the ceremony of a session or a pending authenticator; `None` when there is
    /// none or it expired.
    async fn take_ceremony(
        &self,
        session_id: Option<&str>,
        authenticator_id: Option<&str>,
        now: UnixTime,
    ) -> Result<Option<Ceremony>, StoreError>;
}
