use crate::StoreError;
use async_trait::async_trait;
use twofold_core::UnixTime;
use twofold_core::challenge::{Challenge, Channel, Purpose};

/// Codes sent by SMS or email, with their tries.
#[async_trait]
pub trait Challenges: Send + Sync {
    /// Stores a challenge, voiding any live one of the same user, channel and purpose.
    async fn replace_challenge(&self, challenge: &Challenge) -> Result<(), StoreError>;

    async fn live_challenge(
        &self,
        user_id: &str,
        channel: Channel,
        purpose: Purpose,
    ) -> Result<Option<Challenge>, StoreError>;

    /// Spends one try of a live challenge; the tries left after it, or `None` when the challenge
    /// is gone, expired or out of tries.
    async fn take_challenge_attempt(
        &self,
        id: &str,
        now: UnixTime,
    ) -> Result<Option<u32>, StoreError>;

    /// Removes the challenge; true for exactly one caller.
    async fn consume_challenge(&self, id: &str) -> Result<bool, StoreError>;
}
