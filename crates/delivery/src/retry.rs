//! Retrying a provider call that failed for transient reasons, with growing pauses.

use std::future::Future;
use std::time::Duration;

use crate::DeliveryError;

pub const ATTEMPTS: u32 = 3;
const FIRST_PAUSE: Duration = Duration::from_millis(200);

/// Runs `call` up to [`ATTEMPTS`] times while it answers `Unavailable`; refusals are final.
pub async fn with_backoff<F, Fut>(mut call: F) -> Result<(), DeliveryError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), DeliveryError>>,
{
    let mut pause = FIRST_PAUSE;
    let mut attempt = 1;
    loop {
        match call().await {
            Err(DeliveryError::Unavailable(reason)) if attempt < ATTEMPTS => {
                tracing::warn!(attempt, %reason, "delivery failed; retrying");
                tokio::time::sleep(pause).await;
                pause *= 2;
                attempt += 1;
            }
            other => return other,
        }
    }
}
