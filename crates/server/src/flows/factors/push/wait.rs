//! `checks.push {exchange_id, wait_seconds}`: the long-poll. The request waits, holding no
//! database connection and no lock, until the device has answered, the push has expired or the
//! wait is over; then the step runs as a poll would, at the time the wait ended.
//!
//! The node that records the device's answer wakes its own waiter at once (`waiters.rs`); a
//! waiter on another node re-reads the exchange every [`RECHECK`], one indexed read per waiter.

use std::time::Duration;

use twofold_core::UnixTime;
use twofold_core::push::PushExchange;
use twofold_core::push::exchange::PushCheck;
use twofold_core::secrets::SecretString;

use crate::clock;
use crate::error::Error;
use crate::flows::{Ctx, tokens};
use crate::state::Inner;

/// The longest wait a request may ask for: below common proxy and browser idle timeouts (30 s
/// and more), and well inside a push's default 60 s life.
pub const MAX_WAIT_SECONDS: u32 = 25;

/// How often a waiter re-reads its exchange, for answers recorded on another node.
pub const RECHECK: Duration = Duration::from_secs(1);

/// What a step asked to wait on.
#[derive(Debug, Clone)]
pub struct PushWait {
    pub exchange_id: String,
    pub seconds: u32,
}

/// Waits as asked and answers the context the step then runs with (its `now` read when the wait
/// ended: the answer is the exchange's state then). Anything the step would refuse (a wrong
/// token, another session's exchange, an answered or expired push) is not waited on: the step
/// answers it at once. A second wait of the same user, or one past the node's cap, is answered
/// `pending` at once.
pub async fn until_answered(
    state: &Inner,
    ctx: &Ctx,
    session_id: &str,
    token: &SecretString,
    wait: &PushWait,
) -> Result<Ctx, Error> {
    if wait.seconds > MAX_WAIT_SECONDS {
        return Err(Error::InvalidRequest(format!(
            "wait_seconds may be at most {MAX_WAIT_SECONDS}"
        )));
    }
    if wait.seconds == 0 {
        return Ok(ctx.clone());
    }
    // Only the session's own token may wait: nobody else can pin a request on its exchange.
    let own = tokens::session_of_token(state, token, ctx.now).await?;
    if own.is_none_or(|s| s.id != session_id) {
        return Ok(ctx.clone());
    }
    let Some(exchange) = waiting(state, session_id, &wait.exchange_id, ctx.now).await? else {
        return Ok(ctx.clone());
    };
    let Some(place) = state.push_waiters.enter(&exchange.user_id) else {
        return Err(Error::PushPending {
            expires_at: exchange.expires_at,
        });
    };
    let deadline = clock::monotonic() + Duration::from_secs(wait.seconds.into());
    // Read again after taking the place: an answer recorded in between woke nobody.
    while let Some(exchange) =
        waiting(state, session_id, &wait.exchange_id, state.clock.now()).await?
    {
        let left = deadline.saturating_duration_since(clock::monotonic());
        if left.is_zero() {
            break;
        }
        let nap = left
            .min(RECHECK)
            .min(until(exchange.expires_at, state.clock.now_millis()));
        tokio::select! {
            () = place.woken() => {}
            () = tokio::time::sleep(nap) => {}
        }
    }
    Ok(Ctx {
        now: state.clock.now(),
        ..ctx.clone()
    })
}

/// The session's exchange, if it still waits for the device at `now`.
async fn waiting(
    state: &Inner,
    session_id: &str,
    exchange_id: &str,
    now: UnixTime,
) -> Result<Option<PushExchange>, Error> {
    let stored = state.store.push_exchange(exchange_id).await?;
    Ok(stored
        .map(|s| s.exchange)
        .filter(|e| e.session_id == session_id)
        .filter(|e| matches!(e.check(now), PushCheck::Waiting { .. })))
}

/// How long until `at` (a whole second), from `now_millis`; at least a millisecond, so a
/// waiter past the expiry it has not seen yet still reads again.
fn until(at: UnixTime, now_millis: u64) -> Duration {
    let at_millis = u64::try_from(at.0).unwrap_or(0).saturating_mul(1000);
    Duration::from_millis(at_millis.saturating_sub(now_millis).max(1))
}
