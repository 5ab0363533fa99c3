use crate::StoreError;
use async_trait::async_trait;
use twofold_core::UnixTime;

/// Prompt mode: until when a user's skip of setting up a second factor holds.
#[async_trait]
pub trait SetupSkips: Send + Sync {
    /// Records (or replaces) the user's skip.
    async fn skip_mfa_setup(&self, user_id: &str, until: UnixTime) -> Result<(), StoreError>;

    async fn mfa_setup_skipped_until(&self, user_id: &str) -> Result<Option<UnixTime>, StoreError>;
}
