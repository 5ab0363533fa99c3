use crate::StoreError;
use async_trait::async_trait;
use twofold_core::Factor;
use twofold_core::UnixTime;
use twofold_core::authenticator::{Authenticator, AuthenticatorState};

/// A user's authenticators (factors they enrolled), with their single-use state.
#[async_trait]
pub trait Authenticators: Send + Sync {
    async fn insert_authenticator(&self, authenticator: &Authenticator) -> Result<(), StoreError>;

    async fn authenticators_of(&self, user_id: &str) -> Result<Vec<Authenticator>, StoreError>;

    /// Pending → active, once; records the step that proved it so that code cannot be replayed.
    async fn activate_authenticator(
        &self,
        id: &str,
        proof_step: Option<u64>,
        now: UnixTime,
    ) -> Result<bool, StoreError>;

    async fn delete_authenticator(&self, user_id: &str, id: &str) -> Result<bool, StoreError>;

    async fn rename_authenticator(
        &self,
        user_id: &str,
        id: &str,
        name: &str,
    ) -> Result<bool, StoreError>;

    /// Pending → active for a WebAuthn credential, storing its public credential; once.
    async fn activate_credential(
        &self,
        id: &str,
        name: &str,
        credential: &serde_json::Value,
        now: UnixTime,
    ) -> Result<bool, StoreError>;

    /// Sets every authenticator of `factor` of the user to `state` (a changed phone number
    /// suspends its SMS factor until verified again); returns how many changed.
    async fn set_factor_state(
        &self,
        user_id: &str,
        factor: Factor,
        state: AuthenticatorState,
    ) -> Result<u64, StoreError>;

    /// Succeeds only if `step` is newer than the last accepted one (compare-and-set).
    async fn consume_totp_step(
        &self,
        id: &str,
        step: u64,
        now: UnixTime,
    ) -> Result<bool, StoreError>;
}
