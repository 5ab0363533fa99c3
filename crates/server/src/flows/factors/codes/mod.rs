//! Codes sent by SMS or email: issuing a challenge (cooldown, country allowlist, send quotas,
//! delivery) and checking a code against it. Issuing either completes — challenge stored, message
//! handed to the provider, send counted — or leaves nothing behind.

use serde_json::json;
use twofold_core::challenge::{self, Challenge, Channel, Purpose};
use twofold_core::event::EventType;
use twofold_core::quota::{self, Scope};
use twofold_core::secrets::SecretString;
use twofold_core::settings::LoginSettings;
use twofold_core::{UnixTime, mask};
use twofold_delivery::{CodeMessage, Destination, MessagePurpose};

use crate::error::Error;
use crate::flows::{Ctx, events};
use crate::random;
use crate::state::Inner;

/// Whether the code travels to the person or back to the caller (a UI that delivers it itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handover {
    Send,
    Return,
}

pub struct Issued {
    pub challenge: Challenge,
    /// Only for [`Handover::Return`].
    pub code: Option<SecretString>,
}

impl Issued {
    pub fn medium(&self) -> String {
        masked(self.challenge.channel, &self.challenge.destination)
    }
}

pub fn masked(channel: Channel, destination: &str) -> String {
    match channel {
        Channel::Sms => mask::phone(destination),
        Channel::Email => mask::email(destination),
    }
}

pub struct Target<'a> {
    pub user_id: &'a str,
    pub channel: Channel,
    pub purpose: Purpose,
    pub destination: &'a str,
    /// ISO region of a phone number, for the SMS allowlist and per-country quotas.
    pub country: Option<&'a str>,
    /// The person's language, for the message's words.
    pub language: Option<&'a str>,
}

pub async fn issue(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    target: Target<'_>,
    handover: Handover,
) -> Result<Issued, Error> {
    let policy = &settings.otp;
    let live = state
        .store
        .live_challenge(target.user_id, target.channel, target.purpose)
        .await?;
    if let Some(wait) = challenge::resend_wait(policy, live.map(|c| c.created_at), ctx.now) {
        return Err(refuse(state, ctx, &target, "cooldown", wait).await?);
    }
    let quotas = &settings.send_quotas;
    if target.channel == Channel::Sms && !quotas.allows_country(target.country) {
        return Err(Error::Forbidden(
            "SMS to this country is not enabled".to_owned(),
        ));
    }
    let sends = match handover {
        Handover::Send => Some(count_send(state, ctx, settings, &target).await?),
        Handover::Return => None,
    };
    let code = SecretString::new(challenge::numeric_code(
        &random::bytes(state.random.as_ref())?,
        policy.digits,
    ));
    let id = random::new_id(state.random.as_ref())?;
    let issued = Challenge {
        code_hash: state
            .hashing
            .hash(&challenge::code_domain(&id), code.expose()),
        id,
        tenant_id: ctx.tenant_id.clone(),
        user_id: target.user_id.to_owned(),
        channel: target.channel,
        purpose: target.purpose,
        destination: target.destination.to_owned(),
        created_at: ctx.now,
        expires_at: ctx.now.plus_seconds(policy.ttl_seconds),
        attempts_left: policy.max_attempts,
    };
    state.store.replace_challenge(&issued).await?;
    if let Some(sends) = sends
        && let Err(failed) = deliver(state, &issued, &code, settings, target.language).await
    {
        // Not half-made: no challenge waits for a code that never left, no send is counted.
        state.store.consume_challenge(&issued.id).await?;
        state.store.forget_hits(&sends).await?;
        return Err(failed);
    }
    let detail = json!({"channel": target.channel.as_str(), "purpose": target.purpose.as_str(), "exchange_id": issued.id,
                        "to": masked(target.channel, target.destination), "returned": handover == Handover::Return});
    events::record(
        state,
        ctx,
        EventType::CodeSent,
        Some(target.user_id),
        detail,
    )
    .await?;
    let code = (handover == Handover::Return).then_some(code);
    Ok(Issued {
        challenge: issued,
        code,
    })
}

/// The outcome of checking a code: passed, wrong (tries left on the challenge), or nothing to check.
pub enum Checked {
    /// The code of the challenge sent to `destination` (which tells a contact from another).
    Passed {
        destination: String,
    },
    Wrong {
        attempts_left: u32,
    },
    Expired,
}

pub async fn check(
    state: &Inner,
    user_id: &str,
    channel: Channel,
    purpose: Purpose,
    code: &str,
    now: UnixTime,
) -> Result<Checked, Error> {
    match try_code(state, user_id, channel, purpose, code, now).await? {
        // Consuming decides between racers: exactly one request passes with a code.
        Tried::Matches {
            challenge_id,
            destination,
            ..
        } if state.store.consume_challenge(&challenge_id).await? => {
            Ok(Checked::Passed { destination })
        }
        Tried::Matches { attempts_left, .. } | Tried::Wrong { attempts_left } => {
            Ok(Checked::Wrong { attempts_left })
        }
        Tried::Expired => Ok(Checked::Expired),
    }
}

/// A code compared with the live challenge after taking one of its tries, without spending the
/// challenge: a sign-in step spends it in its own transaction.
pub enum Tried {
    Matches {
        challenge_id: String,
        attempts_left: u32,
        destination: String,
    },
    Wrong {
        attempts_left: u32,
    },
    Expired,
}

pub async fn try_code(
    state: &Inner,
    user_id: &str,
    channel: Channel,
    purpose: Purpose,
    code: &str,
    now: UnixTime,
) -> Result<Tried, Error> {
    let Some(live) = state
        .store
        .live_challenge(user_id, channel, purpose)
        .await?
    else {
        return Ok(Tried::Expired);
    };
    let Some(attempts_left) = state.store.take_challenge_attempt(&live.id, now).await? else {
        return Ok(Tried::Expired);
    };
    let given: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let matches = state
        .hashing
        .hash(&challenge::code_domain(&live.id), &given)
        .matches(&live.code_hash);
    match matches {
        true => Ok(Tried::Matches {
            challenge_id: live.id,
            attempts_left,
            destination: live.destination,
        }),
        false => Ok(Tried::Wrong { attempts_left }),
    }
}

async fn deliver(
    state: &Inner,
    issued: &Challenge,
    code: &SecretString,
    settings: &LoginSettings,
    language: Option<&str>,
) -> Result<(), Error> {
    let sender = state.senders.for_channel(issued.channel)?;
    let (to, purpose) = match (issued.channel, issued.purpose) {
        (Channel::Sms, Purpose::VerifyContact) => (
            Destination::Phone(issued.destination.clone()),
            MessagePurpose::VerifyPhone,
        ),
        (Channel::Sms, Purpose::SignIn) => (
            Destination::Phone(issued.destination.clone()),
            MessagePurpose::SignIn,
        ),
        (Channel::Email, Purpose::VerifyContact) => (
            Destination::Email(issued.destination.clone()),
            MessagePurpose::VerifyEmail,
        ),
        (Channel::Email, Purpose::SignIn) => (
            Destination::Email(issued.destination.clone()),
            MessagePurpose::SignIn,
        ),
    };
    let message = CodeMessage {
        to,
        code: code.clone(),
        purpose,
        valid_for_seconds: settings.otp.ttl_seconds,
        exchange_id: issued.id.clone(),
        language: language.map(str::to_owned),
    };
    sender.send(&message).await.map_err(Error::from)
}

/// Counts this send under every key and refuses it (uncounted) when a window is full.
async fn count_send(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    target: &Target<'_>,
) -> Result<Vec<i64>, Error> {
    let mut keys = vec![
        (Scope::Destination, target.destination.to_owned()),
        (Scope::User, target.user_id.to_owned()),
    ];
    // A backend enrolling many users sends from one address; per-IP limits are for the public.
    if let (Some(ip), false) = (&ctx.ip, ctx.admin) {
        keys.push((Scope::Ip, ip.clone()));
    }
    if let (Channel::Sms, Some(country)) = (target.channel, target.country) {
        keys.push((Scope::Country, country.to_owned()));
    }
    let ids = state
        .store
        .record_hits(&ctx.tenant_id, &keys, ctx.now)
        .await?;
    let mut wait = None;
    for (scope, key) in &keys {
        for window in settings.send_quotas.windows(*scope) {
            let since = UnixTime(ctx.now.0 - i64::try_from(window.seconds).unwrap_or(i64::MAX));
            let seen = state
                .store
                .count_hits(&ctx.tenant_id, *scope, key, since)
                .await?;
            if let Some(after) = quota::retry_after(window, seen, ctx.now) {
                wait = Some((scope.as_str(), after.max(wait.map_or(0, |(_, w)| w))));
            }
        }
    }
    match wait {
        Some((scope, after)) => {
            state.store.forget_hits(&ids).await?;
            Err(refuse(state, ctx, target, scope, after).await?)
        }
        None => Ok(ids),
    }
}

async fn refuse(
    state: &Inner,
    ctx: &Ctx,
    target: &Target<'_>,
    reason: &str,
    retry_after_seconds: u64,
) -> Result<Error, Error> {
    let detail = json!({"channel": target.channel.as_str(), "reason": reason, "retry_after": retry_after_seconds,
                        "to": masked(target.channel, target.destination)});
    events::record(
        state,
        ctx,
        EventType::CodeRateLimited,
        Some(target.user_id),
        detail,
    )
    .await?;
    Ok(Error::RateLimited {
        retry_after_seconds,
    })
}
pub mod sign_in;
