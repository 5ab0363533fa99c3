//! Push in a sign-in: the challenge stores an exchange (one pending per user), wakes the device
//! through the tenant's gateway and answers the number the login screen shows; the check passes
//! once the device's signed approval with that number is recorded.

use std::sync::Arc;

use twofold_core::authenticator::Authenticator;
use twofold_core::check::CheckOutcome;
use twofold_core::push::exchange::PushCheck;
use twofold_core::push::{self, PushExchange, PushPolicy};
use twofold_core::session::Session;
use twofold_core::settings::LoginSettings;
use twofold_core::user::User;
use twofold_core::{Factor, UnixTime};
use twofold_delivery::PushGateway;
use twofold_store::{PushStart, StoredPushExchange};

use super::pause_of;
use crate::error::Error;
use crate::flows::Ctx;
use crate::flows::factors::budget;
use crate::flows::step_writes::Pending;
use crate::random;
use crate::state::Inner;

/// What the login screen is told: the exchange to check and the number to show.
#[derive(Debug, Clone)]
pub struct PushIssued {
    pub exchange_id: String,
    pub number: u8,
    pub expires_at: UnixTime,
}

impl PushIssued {
    fn of(exchange: &PushExchange) -> PushIssued {
        PushIssued {
            exchange_id: exchange.id.clone(),
            number: exchange.number,
            expires_at: exchange.expires_at,
        }
    }
}

/// Starts a push for the session's user, who has passed the second-factor gate.
pub(in crate::flows) async fn start(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    session: &Session,
    user: &User,
    authenticators: &[Authenticator],
) -> Result<PushIssued, Error> {
    let device = authenticators
        .iter()
        .filter(|a| a.factor == Factor::Push && a.is_usable())
        .max_by_key(|a| a.created_at)
        .ok_or_else(|| Error::Forbidden("the user has no push device".to_owned()))?;
    if let Some(until) = pause_of(state, ctx, settings, &user.id).await? {
        return Err(Error::PushPaused { until });
    }
    let id = random::new_id(state.random.as_ref())?;
    let number = push::number_to_show(&random::bytes::<4>(state.random.as_ref())?);
    let exchange = PushExchange::new(
        id,
        user.id.clone(),
        device.id.clone(),
        session.id.clone(),
        number,
        ctx.now,
        &settings.push,
    );
    let stored = StoredPushExchange {
        exchange,
        tenant_id: ctx.tenant_id.clone(),
        app: session.client_id.clone(),
        client_ip: ctx.ip.clone(),
    };
    match state.store.start_push_exchange(&stored, ctx.now).await? {
        PushStart::Started => {}
        // The number belongs to the screen that asked first; that screen may ask again.
        PushStart::Waiting(waiting) if waiting.exchange.session_id == session.id => {
            return Ok(PushIssued::of(&waiting.exchange));
        }
        PushStart::Waiting(waiting) => {
            return Err(Error::PushPending {
                expires_at: waiting.exchange.expires_at,
            });
        }
    }
    wake(state, &settings.push, device, &stored.exchange.id)?;
    Ok(PushIssued::of(&stored.exchange))
}

/// Tells the gateway, when the tenant has one and the device gave a push token, in the
/// background: the login screen shows the number at once, and a device the gateway cannot reach
/// still finds the exchange when it polls.
fn wake(
    state: &Inner,
    policy: &PushPolicy,
    device: &Authenticator,
    exchange_id: &str,
) -> Result<(), Error> {
    let (Some(url), Some(sealed), Some(gateway)) = (
        policy.gateway_url.clone(),
        device.sealed_secret.as_deref(),
        state.senders.push_gateway(),
    ) else {
        return Ok(());
    };
    let token = state
        .sealing
        .open(&Authenticator::seal_context(&device.id), sealed)
        .map_err(|e| Error::Internal(format!("authenticator {}: {e}", device.id)))?;
    let token = String::from_utf8(token.to_vec())
        .map_err(|_| Error::Internal(format!("authenticator {}: push token", device.id)))?;
    let exchange_id = exchange_id.to_owned();
    tokio::spawn(notify(gateway, url, token, exchange_id));
    Ok(())
}

async fn notify(gateway: Arc<PushGateway>, url: String, token: String, exchange_id: String) {
    if let Err(e) = gateway.notify(&url, &token, &exchange_id).await {
        tracing::warn!(exchange_id, error = %e, "push gateway not reached; the device may poll");
    }
}

/// The session's check of its exchange: passes once approved with the right number, saying
/// whether the device verified the person (`user` in amr).
pub(in crate::flows) async fn check(
    state: &Inner,
    ctx: &Ctx,
    session: &Session,
    user: &User,
    exchange_id: &str,
    pending: &mut Pending,
) -> Result<(CheckOutcome, bool), Error> {
    let stored = state
        .store
        .push_exchange(exchange_id)
        .await?
        .filter(|s| s.exchange.session_id == session.id && s.exchange.user_id == user.id)
        .ok_or(Error::NotFound("push exchange"))?;
    match stored.exchange.check(ctx.now) {
        // The guess was the device's answer, counted when it came; nothing is reserved here.
        PushCheck::Passed { user_verified } => Ok((
            budget::passed(user, Factor::Push, ctx, pending),
            user_verified,
        )),
        PushCheck::Waiting { expires_at } => Err(Error::PushPending { expires_at }),
        PushCheck::Denied => Err(Error::PushDenied),
        PushCheck::WrongNumber => Err(Error::PushWrongNumber),
        PushCheck::Expired => Err(Error::CodeExpired),
    }
}
