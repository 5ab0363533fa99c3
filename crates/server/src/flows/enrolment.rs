//! Enrolling and removing authenticators, and who may do it.
//!
//! The admin token may always. A user's own session asks the domain's one rule
//! ([`factor_change::may_change`]): once satisfied, anything allowed; before that only setting up
//! a factor that is next while nothing next is set up — the SuperTokens rule that keeps a
//! half-signed-in user from dodging, removing or replacing the factor that is due.

use serde_json::json;
use twofold_core::authenticator::{self, Authenticator};
use twofold_core::event::EventType;
use twofold_core::factor_change::{self, FactorChange, Refusal};
use twofold_core::mfa_info::{self, UserMfa};

use twofold_core::Factor;
use twofold_core::session::Session;
use twofold_core::user::User;

use super::caller::Caller;
use super::{Ctx, events, sign_in, users};
use crate::error::Error;
use crate::state::Inner;

/// Resolves the user the caller acts on, refusing callers without the right.
pub async fn authorize(
    state: &Inner,
    ctx: &Ctx,
    caller: &Caller,
    user_id: &str,
    change: FactorChange,
) -> Result<(User, Option<Session>), Error> {
    let session = match caller {
        Caller::Admin { .. } => None,
        Caller::Session(session) => Some(session.as_ref().clone()),
    };
    if let Some(session) = &session
        && session.user_id.as_deref() != Some(user_id)
    {
        return Err(Error::Forbidden(
            "a session may only change its own user".to_owned(),
        ));
    }
    let user = users::get(state, caller.tenant_id(), user_id).await?;
    let Some(session) = session else {
        return Ok((user, None));
    };
    let view = sign_in::view(state, session, ctx.now).await?;
    match factor_change::may_change(&view.info, change) {
        Ok(()) => Ok((user, Some(view.session))),
        Err(Refusal::SignInFirst) => Err(Error::Forbidden("sign in first".to_owned())),
        Err(Refusal::MfaRequired { next }) => Err(Error::MfaRequired { next }),
        Err(Refusal::SetupRequired { next }) => Err(Error::SetupRequired { next }),
        Err(Refusal::NotOffered) => {
            Err(Error::Forbidden("this factor cannot be set up".to_owned()))
        }
    }
}

/// Removes an authenticator unless that would leave a user who must use MFA without a second factor.
pub async fn remove(
    state: &Inner,
    ctx: &Ctx,
    user: &User,
    authenticator_id: &str,
) -> Result<(), Error> {
    let authenticators = state.store.authenticators_of(&user.id).await?;
    let target = authenticators
        .iter()
        .find(|a| a.id == authenticator_id)
        .ok_or(Error::NotFound("authenticator"))?;
    let remaining: Vec<Factor> = authenticators
        .iter()
        .filter(|a| a.id != target.id && a.is_usable())
        .map(|a| a.factor)
        .collect();
    if target.is_usable() {
        ensure_keeps_second_factor(state, ctx, user, &remaining).await?;
    }
    if !state
        .store
        .delete_authenticator(&user.id, &target.id)
        .await?
    {
        return Err(Error::NotFound("authenticator"));
    }
    events::record(
        state,
        ctx,
        EventType::AuthenticatorRemoved,
        Some(&user.id),
        json!({"factor": target.factor, "authenticator_id": target.id}),
    )
    .await
}

/// The last-factor rule: refuses a change that would leave `remaining` as the user's usable
/// factors when the user must use MFA (the tenant's, a group's or the user's own requirement) and
/// none of them is a second factor.
pub(super) async fn ensure_keeps_second_factor(
    state: &Inner,
    ctx: &Ctx,
    user: &User,
    remaining: &[Factor],
) -> Result<(), Error> {
    let settings = state.settings(&ctx.tenant_id).await?;
    let user_mfa = UserMfa {
        mfa_enabled: user.mfa_enabled,
        required_factors: &user.required_factors,
        active_factors: remaining,
    };
    let groups = super::groups::policies_of(state, &user.id).await?;
    if mfa_info::may_remove_in(&settings, &user_mfa, &groups, remaining) {
        return Ok(());
    }
    Err(Error::Conflict(
        "this is the user's last second factor and MFA is required".to_owned(),
    ))
}

/// Renames an authenticator; the name must still tell it apart from the user's others.
pub async fn rename(
    state: &Inner,
    ctx: &Ctx,
    user: &User,
    authenticator_id: &str,
    name: &str,
) -> Result<Authenticator, Error> {
    let existing = state.store.authenticators_of(&user.id).await?;
    let (mut target, others): (Vec<Authenticator>, Vec<Authenticator>) =
        existing.into_iter().partition(|a| a.id == authenticator_id);
    let mut target = target.pop().ok_or(Error::NotFound("authenticator"))?;
    let name = authenticator::normalise_name(Some(name), target.factor, &others)?;
    if !state
        .store
        .rename_authenticator(&user.id, authenticator_id, &name)
        .await?
    {
        return Err(Error::NotFound("authenticator"));
    }
    let detail =
        json!({"factor": target.factor, "authenticator_id": authenticator_id, "name": name});
    events::record(
        state,
        ctx,
        EventType::AuthenticatorRenamed,
        Some(&user.id),
        detail,
    )
    .await?;
    target.name = name;
    Ok(target)
}
