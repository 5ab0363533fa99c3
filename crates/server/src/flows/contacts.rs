//! Phone numbers and email addresses: set, proven with a code, and the factors that use them.

use serde_json::json;
use twofold_core::authenticator::{self, Authenticator, AuthenticatorState};
use twofold_core::challenge::{Channel, Purpose};
use twofold_core::check::CheckOutcome;
use twofold_core::contacts::{self, Contact};
use twofold_core::event::EventType;
use twofold_core::user::{self, User};
use twofold_core::{DomainError, phone};

use super::factors::budget;
use super::factors::codes::{self, Checked, Handover, Issued, Target};
use super::factors::totp::enrolment_error;
use super::{Ctx, events};
use twofold_store::StoreError;

use crate::error::Error;
use crate::random;
use crate::state::Inner;

mod removal;
pub use removal::remove;

/// What to do with a contact point once set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    /// Send a code to it.
    SendCode,
    /// Make a code and hand it back to the caller, who delivers it.
    ReturnCode,
    /// Trust it as verified (admin only: the caller vouches).
    Verified,
}

pub struct ContactOutcome {
    pub user: User,
    pub issued: Option<Issued>,
}

fn contact(user: &User, channel: Channel) -> (Option<&str>, bool) {
    match channel {
        Channel::Sms => (user.phone.as_deref(), user.phone_verified),
        Channel::Email => (user.email.as_deref(), user.email_verified),
    }
}

fn set_contact(user: &mut User, channel: Channel, value: String, verified: bool) {
    match channel {
        Channel::Sms => (user.phone, user.phone_verified) = (Some(value), verified),
        Channel::Email => (user.email, user.email_verified) = (Some(value), verified),
    }
}

fn set_verified(user: &mut User, channel: Channel) {
    match channel {
        Channel::Sms => user.phone_verified = true,
        Channel::Email => user.email_verified = true,
    }
}

/// Sets the user's phone or email. A different value is unverified and suspends the factor that
/// uses it until proven again.
pub async fn set(
    state: &Inner,
    ctx: &Ctx,
    mut user: User,
    channel: Channel,
    raw: &str,
    proof: Proof,
) -> Result<ContactOutcome, Error> {
    let settings = state.settings(&ctx.tenant_id).await?;
    let (value, country) = match channel {
        Channel::Sms => {
            let parsed = phone::parse(raw)?;
            (parsed.e164, parsed.country)
        }
        Channel::Email => (user::normalise_email(raw)?, None),
    };
    let (current, _) = contact(&user, channel);
    if current != Some(value.as_str()) {
        set_contact(&mut user, channel, value.clone(), false);
        user.updated_at = ctx.now;
        state.store.update_user(&user).await?;
        follow_contact(state, &user, channel).await?;
        let primary = primary_id(channel);
        record_change(state, ctx, &user.id, channel, &value, primary, Change::Set).await?;
    }
    let issued = match proof {
        Proof::Verified => {
            mark_verified(state, ctx, &mut user, channel, "admin").await?;
            None
        }
        Proof::SendCode | Proof::ReturnCode => {
            let handover = if proof == Proof::SendCode {
                Handover::Send
            } else {
                Handover::Return
            };
            let target = Target {
                user_id: &user.id,
                channel,
                purpose: Purpose::VerifyContact,
                destination: &value,
                country: country.as_deref(),
                language: user.language.as_deref(),
            };
            Some(codes::issue(state, ctx, &settings, target, handover).await?)
        }
    };
    Ok(ContactOutcome { user, issued })
}

/// Proves the user's phone or email with the code sent to it; answers the proven contact's
/// `medium_id` (the code names it: each was sent to one address).
pub async fn verify(
    state: &Inner,
    ctx: &Ctx,
    mut user: User,
    channel: Channel,
    code: &str,
) -> Result<(User, String), Error> {
    let settings = state.settings(&ctx.tenant_id).await?;
    // An attempt of the second-factor budget is taken before the code is evaluated, so racing
    // wrong codes are capped as in a sign-in; a right code (or none to try) gives it back.
    let counter =
        match budget::reserve_outside_step(state, ctx, &settings, &user, channel.factor()).await? {
            Ok(counter) => counter,
            Err(refused) => return Err(enrolment_error(refused)),
        };
    let checked = codes::check(
        state,
        &user.id,
        channel,
        Purpose::VerifyContact,
        code,
        ctx.now,
    )
    .await;
    let left = match checked {
        Ok(Checked::Wrong { attempts_left }) => attempts_left,
        other => {
            state.store.release_second_factor_attempt(&user.id).await?;
            return match other? {
                Checked::Passed { destination } => {
                    let medium_id =
                        verified_by_code(state, ctx, &mut user, channel, &destination).await?;
                    Ok((user, medium_id))
                }
                _ => Err(Error::CodeExpired),
            };
        }
    };
    let factor = channel.factor();
    Err(
        match budget::failed_reserved(state, ctx, &settings, &user, factor, "contact", counter)
            .await?
        {
            CheckOutcome::Failed { attempts_left } => Error::InvalidCode {
                attempts_left: attempts_left.min(left),
            },
            other => enrolment_error(other),
        },
    )
}

async fn mark_verified(
    state: &Inner,
    ctx: &Ctx,
    user: &mut User,
    channel: Channel,
    by: &str,
) -> Result<(), Error> {
    set_verified(user, channel);
    user.updated_at = ctx.now;
    state.store.update_user(user).await?;
    follow_contact(state, user, channel).await?;
    let detail = json!({"channel": channel.as_str(), "by": by});
    events::record(
        state,
        ctx,
        EventType::ContactVerified,
        Some(&user.id),
        detail,
    )
    .await
}

/// Puts the code factor of `channel` in the state its contact point allows (see
/// [`authenticator::code_factor_state`]).
pub async fn follow_contact(state: &Inner, user: &User, channel: Channel) -> Result<(), Error> {
    let (_, verified) = contact(user, channel);
    state
        .store
        .set_factor_state(
            &user.id,
            channel.factor(),
            authenticator::code_factor_state(verified),
        )
        .await?;
    Ok(())
}

/// Turns on `otp-sms` / `otp-email` for the user's verified phone / email.
pub async fn enable_factor(
    state: &Inner,
    ctx: &Ctx,
    user_id: &str,
    channel: Channel,
) -> Result<Authenticator, Error> {
    let settings = state.settings(&ctx.tenant_id).await?;
    let factor = channel.factor();
    if !settings.second_factors.contains(&factor) {
        return Err(Error::Forbidden(format!(
            "`{factor}` is not enabled for this tenant"
        )));
    }
    // A factor with no transport behind it could only fail at sign-in (and be offered in vain).
    state.capabilities().ensure_runs(factor)?;
    let user = state
        .store
        .user(&ctx.tenant_id, user_id)
        .await?
        .ok_or(Error::NotFound("user"))?;
    let (Some(destination), true) = contact(&user, channel) else {
        return Err(DomainError::invalid(format!(
            "the user's {} must be verified first",
            match channel {
                Channel::Sms => "phone",
                Channel::Email => "email",
            }
        ))
        .into());
    };
    let existing = state.store.authenticators_of(&user.id).await?;
    if let Some(found) = existing.into_iter().find(|a| a.factor == factor) {
        return Ok(found);
    }
    let authenticator = Authenticator {
        id: random::new_id(state.random.as_ref())?,
        user_id: user.id.clone(),
        factor,
        name: codes::masked(channel, destination),
        state: AuthenticatorState::Active,
        sealed_secret: None,
        params: json!({}),
        last_step: None,
        created_at: ctx.now,
        last_used_at: None,
    };
    state.store.insert_authenticator(&authenticator).await?;
    let detail = json!({"factor": factor, "authenticator_id": authenticator.id});
    events::record(
        state,
        ctx,
        EventType::AuthenticatorAdded,
        Some(&user.id),
        detail,
    )
    .await?;
    Ok(authenticator)
}

/// Marks the contact the code was sent to verified: the primary one if it is that, else the
/// further contact with that value. Answers its `medium_id`.
async fn verified_by_code(
    state: &Inner,
    ctx: &Ctx,
    user: &mut User,
    channel: Channel,
    destination: &str,
) -> Result<String, Error> {
    if contact(user, channel).0 == Some(destination) {
        mark_verified(state, ctx, user, channel, "code").await?;
        return Ok(primary_id(channel).to_owned());
    }
    let extra = state.store.contacts_of(&user.id).await?;
    let Some(found) = extra
        .iter()
        .find(|c| c.channel == channel && c.value == destination)
    else {
        return Err(Error::Conflict(
            "the contact this code was sent to is no longer the user's".to_owned(),
        ));
    };
    state
        .store
        .mark_contact_verified(&user.id, &found.id)
        .await?;
    let detail = json!({"channel": channel.as_str(), "by": "code", "medium_id": found.id});
    events::record(
        state,
        ctx,
        EventType::ContactVerified,
        Some(&user.id),
        detail,
    )
    .await?;
    Ok(found.id.clone())
}

/// What happened to a contact, for its event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    /// The primary contact was set to a new value.
    Set,
    /// A further contact was added.
    Added,
    /// A contact was removed.
    Removed,
}

/// The one event of a contact set, added or removed: `contact.changed` (with `added` for a
/// further one) or `contact.removed`, naming the channel, the masked value and its `medium_id`.
async fn record_change(
    state: &Inner,
    ctx: &Ctx,
    user_id: &str,
    channel: Channel,
    value: &str,
    medium_id: &str,
    change: Change,
) -> Result<(), Error> {
    let mut detail = json!({
        "channel": channel.as_str(),
        "to": codes::masked(channel, value),
        "medium_id": medium_id,
    });
    let kind = match change {
        Change::Set => EventType::ContactChanged,
        Change::Added => {
            detail["added"] = json!(true);
            EventType::ContactChanged
        }
        Change::Removed => EventType::ContactRemoved,
    };
    events::record(state, ctx, kind, Some(user_id), detail).await
}

/// A code asked for a contact the user does not have is `404` (it may have just been removed);
/// one of the wrong kind or not yet verified is a bad request.
pub fn medium_error(e: contacts::MediumError) -> Error {
    match e {
        contacts::MediumError::Unknown(_) => Error::NotFound("contact"),
        other => Error::InvalidRequest(other.to_string()),
    }
}

pub fn primary_id(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => contacts::PRIMARY_PHONE,
        Channel::Email => contacts::PRIMARY_EMAIL,
    }
}

/// A further contact, as set up.
pub struct Added {
    pub contact: Contact,
    pub issued: Option<Issued>,
}

/// Adds a further phone number or email address (several per user, each with a `medium_id`),
/// proven as the primary one is: a code sent to it, or the admin's word.
pub async fn add(
    state: &Inner,
    ctx: &Ctx,
    user: &User,
    channel: Channel,
    raw: &str,
    proof: Proof,
) -> Result<Added, Error> {
    let settings = state.settings(&ctx.tenant_id).await?;
    let extra = state.store.contacts_of(&user.id).await?;
    let value = contacts::check_new(&contacts::all_contacts(user, &extra), channel, raw)?;
    let contact = Contact {
        id: random::new_id(state.random.as_ref())?,
        channel,
        value,
        verified: proof == Proof::Verified,
        created_at: ctx.now,
    };
    state
        .store
        .insert_contact(&user.id, &contact)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => Error::Conflict(
                "this contact was just added to the user by another request".to_owned(),
            ),
            other => other.into(),
        })?;
    let (value, id) = (&contact.value, &contact.id);
    record_change(state, ctx, &user.id, channel, value, id, Change::Added).await?;
    let issued = match proof {
        Proof::Verified => {
            let detail =
                json!({"channel": channel.as_str(), "by": "admin", "medium_id": contact.id});
            events::record(
                state,
                ctx,
                EventType::ContactVerified,
                Some(&user.id),
                detail,
            )
            .await?;
            None
        }
        Proof::SendCode | Proof::ReturnCode => {
            let handover = if proof == Proof::SendCode {
                Handover::Send
            } else {
                Handover::Return
            };
            let country = match channel {
                Channel::Sms => phone::parse(&contact.value).ok().and_then(|p| p.country),
                Channel::Email => None,
            };
            let target = Target {
                user_id: &user.id,
                channel,
                purpose: Purpose::VerifyContact,
                destination: &contact.value,
                country: country.as_deref(),
                language: user.language.as_deref(),
            };
            Some(codes::issue(state, ctx, &settings, target, handover).await?)
        }
    };
    Ok(Added { contact, issued })
}
