//! What a device does once enrolled: fetch what is pending (signed, fresh within a minute) and
//! answer an exchange (signed over the decision, the number typed and whether it verified the
//! person). Both need the device's key; neither needs a bearer token.

use serde_json::json;
use twofold_core::Factor;
use twofold_core::UnixTime;
use twofold_core::check::CheckOutcome;
use twofold_core::push::{self, AnswerOutcome, PushDecision, PushState};
use twofold_store::{PushDevice, StoredPushExchange};

use super::{key_of, pause_of};
use crate::error::Error;
use crate::flows::factors::budget;
use crate::flows::{Ctx, events};
use crate::state::Inner;
use twofold_core::event::EventType;

/// An active push device, or `Unauthorized` for anything else: a caller without the key learns
/// nothing about which ids exist.
async fn active_device(state: &Inner, authenticator_id: &str) -> Result<PushDevice, Error> {
    match state.store.push_device(authenticator_id).await? {
        Some(device) if device.authenticator.is_usable() => Ok(device),
        _ => Err(Error::Unauthorized),
    }
}

/// The exchanges waiting on this device, for a request the device signed at `signed_at`.
pub async fn pending(
    state: &Inner,
    ctx: &Ctx,
    authenticator_id: &str,
    signed_at: UnixTime,
    signature: &str,
) -> Result<Vec<StoredPushExchange>, Error> {
    let device = active_device(state, authenticator_id).await?;
    let key = key_of(&device.authenticator.params)?;
    let message = push::pending_bytes(authenticator_id, signed_at)?;
    if !push::fresh_request(signed_at, ctx.now) || !key.verify(&message, signature) {
        return Err(Error::Unauthorized);
    }
    Ok(state
        .store
        .pending_push_exchanges(authenticator_id, ctx.now)
        .await?)
}

/// A device's signed answer.
pub struct Answer {
    pub decision: PushDecision,
    pub number: u8,
    pub user_verified: bool,
    pub signature: String,
}

/// Records a device's answer. An approval is a guess at the number, so it takes one of the
/// user's second-factor attempts before it is evaluated: a wrong number keeps it counted (and
/// may lock), the right one gives it back. A denial spends nothing but counts towards fatigue.
pub async fn answer(
    state: &Inner,
    ctx: &Ctx,
    exchange_id: &str,
    answer: Answer,
) -> Result<PushState, Error> {
    let stored = state
        .store
        .push_exchange(exchange_id)
        .await?
        .ok_or(Error::NotFound("push exchange"))?;
    let exchange = &stored.exchange;
    let device = active_device(state, &exchange.authenticator_id).await?;
    let key = key_of(&device.authenticator.params)?;
    let message = push::answer_bytes(
        &exchange.authenticator_id,
        &exchange.id,
        answer.decision,
        answer.number,
        answer.user_verified,
    )?;
    if !key.verify(&message, &answer.signature) {
        return Err(Error::Unauthorized);
    }
    let ctx = Ctx {
        tenant_id: stored.tenant_id.clone(),
        session_id: Some(exchange.session_id.clone()),
        ..ctx.clone()
    };
    let recorded = match exchange.answer(
        answer.decision,
        answer.number,
        answer.user_verified,
        ctx.now,
    ) {
        AnswerOutcome::Recorded(recorded) => recorded,
        AnswerOutcome::Expired => return Err(Error::CodeExpired),
        AnswerOutcome::AlreadyAnswered => {
            return Err(Error::Conflict("the push was already answered".to_owned()));
        }
    };
    let settings = state.settings(&ctx.tenant_id).await?;
    let user = state
        .store
        .user(&ctx.tenant_id, &exchange.user_id)
        .await?
        .ok_or(Error::NotFound("user"))?;
    let counter = match answer.decision {
        PushDecision::Approve => {
            match budget::reserve_outside_step(state, &ctx, &settings, &user, Factor::Push).await? {
                Ok(counter) => Some(counter),
                Err(CheckOutcome::Locked { until }) => return Err(Error::Locked { until }),
                Err(_) => return Err(Error::Locked { until: None }),
            }
        }
        PushDecision::Deny => None,
    };
    if !state
        .store
        .answer_push_exchange(&exchange.id, recorded, ctx.now)
        .await?
    {
        // Another answer came first (or the exchange expired meanwhile): this one was no guess.
        if counter.is_some() {
            state.store.release_second_factor_attempt(&user.id).await?;
        }
        return Err(Error::Conflict("the push was already answered".to_owned()));
    }
    // What the answer costs is counted before a waiting login screen is woken to read it; the
    // screen is woken even when counting failed, the answer itself is stored.
    let counted = async {
        match (recorded, counter) {
            (PushState::WrongNumber, Some(counter)) => {
                let outcome = budget::failed_reserved(
                    state,
                    &ctx,
                    &settings,
                    &user,
                    Factor::Push,
                    "wrong_number",
                    counter,
                )
                .await?;
                pause_of(state, &ctx, &settings, &user.id).await?;
                if let CheckOutcome::Locked { until } = outcome {
                    return Err(Error::Locked { until });
                }
            }
            (_, Some(_)) => state.store.release_second_factor_attempt(&user.id).await?,
            (_, None) => {
                let detail =
                    json!({"factor": Factor::Push, "reason": "denied", "exchange_id": exchange.id});
                events::record(
                    state,
                    &ctx,
                    EventType::SessionCheckFailed,
                    Some(&user.id),
                    detail,
                )
                .await?;
                pause_of(state, &ctx, &settings, &user.id).await?;
            }
        }
        Ok::<(), Error>(())
    }
    .await;
    state.push_waiters.wake(&user.id);
    counted?;
    Ok(recorded)
}
