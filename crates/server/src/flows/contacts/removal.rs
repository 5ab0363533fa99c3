//! Removing a contact. A further one goes at once; the primary one is cleared from the user, and
//! since the code factor follows the primary contact's verification, that suspends the factor:
//! refused by the last-factor rule while it is a second factor the user must keep. Codes already
//! sent to the removed address stop working with it.

use twofold_core::Factor;
use twofold_core::challenge::{Channel, Purpose};
use twofold_core::user::User;

use super::{Change, contact, follow_contact, primary_id, record_change};
use crate::error::Error;
use crate::flows::{Ctx, enrolment};
use crate::state::Inner;

/// Removes the user's contact `medium_id` of `channel`: `404` when the user has no such contact
/// of that kind, `409` when it is the primary one and its code factor is the last second factor
/// of a user who must use MFA.
pub async fn remove(
    state: &Inner,
    ctx: &Ctx,
    user: User,
    channel: Channel,
    medium_id: &str,
) -> Result<(), Error> {
    if medium_id == primary_id(channel) {
        return remove_primary(state, ctx, user, channel).await;
    }
    let found = state
        .store
        .contacts_of(&user.id)
        .await?
        .into_iter()
        .find(|c| c.id == medium_id && c.channel == channel)
        .ok_or(Error::NotFound("contact"))?;
    // Of two racing removals one answers 404.
    if !state.store.delete_contact(&user.id, &found.id).await? {
        return Err(Error::NotFound("contact"));
    }
    end_codes_to(state, &user.id, channel, &found.value).await?;
    record_change(
        state,
        ctx,
        &user.id,
        channel,
        &found.value,
        &found.id,
        Change::Removed,
    )
    .await
}

async fn remove_primary(
    state: &Inner,
    ctx: &Ctx,
    mut user: User,
    channel: Channel,
) -> Result<(), Error> {
    let value = contact(&user, channel)
        .0
        .map(str::to_owned)
        .ok_or(Error::NotFound("contact"))?;
    let factor = channel.factor();
    let authenticators = state.store.authenticators_of(&user.id).await?;
    if authenticators
        .iter()
        .any(|a| a.factor == factor && a.is_usable())
    {
        let remaining: Vec<Factor> = authenticators
            .iter()
            .filter(|a| a.factor != factor && a.is_usable())
            .map(|a| a.factor)
            .collect();
        enrolment::ensure_keeps_second_factor(state, ctx, &user, &remaining).await?;
    }
    match channel {
        Channel::Sms => (user.phone, user.phone_verified) = (None, false),
        Channel::Email => (user.email, user.email_verified) = (None, false),
    }
    user.updated_at = ctx.now;
    state.store.update_user(&user).await?;
    follow_contact(state, &user, channel).await?;
    end_codes_to(state, &user.id, channel, &value).await?;
    let primary = primary_id(channel);
    record_change(
        state,
        ctx,
        &user.id,
        channel,
        &value,
        primary,
        Change::Removed,
    )
    .await
}

/// Ends the user's live codes sent to `destination`: a code to an address the user gave up must
/// neither sign them in nor prove the address again.
async fn end_codes_to(
    state: &Inner,
    user_id: &str,
    channel: Channel,
    destination: &str,
) -> Result<(), Error> {
    for purpose in [Purpose::SignIn, Purpose::VerifyContact] {
        let live = state
            .store
            .live_challenge(user_id, channel, purpose)
            .await?;
        if let Some(challenge) = live.filter(|c| c.destination == destination) {
            state.store.consume_challenge(&challenge.id).await?;
        }
    }
    Ok(())
}
