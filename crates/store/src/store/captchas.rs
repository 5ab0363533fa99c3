use crate::StoreError;
use async_trait::async_trait;
use twofold_core::UnixTime;

/// Solved ALTCHA challenges, spent once: a payload that verified is recorded here before the
/// attempt it carries is let through, so the same payload cannot be posted twice.
#[async_trait]
pub trait Captchas: Send + Sync {
    /// Records `id` (the challenge hash) as spent until `expires`; false when it was spent
    /// before. Forgets the ids whose expiry has passed at `now`: their payloads are refused as
    /// expired before they reach here. One per installation, as the key that signs them.
    async fn spend_captcha(
        &self,
        id: &str,
        expires: UnixTime,
        now: UnixTime,
    ) -> Result<bool, StoreError>;
}
