//! Enrolling and removing authenticators, and who may do it.
//!
//! The admin token may always. A user's own session asks the domain's one rule
//! ([`factor_change::may_change`]): once satisfied, anything allowed; before that only setting up
//! a factor that is next while nothing next is set up — the SuperTokens rule that keeps a
//! half-signed-in user from dodging, removing or replacing the factor that is due.

use serde_json::json;
use twofold_core::authenticator::{self, Authenticator, AuthenticatorState};
use twofold_core::check::CheckOutcome;
use twofold_core::event::EventType;
use twofold_core::factor_change::{self, FactorChange, Refusal};
use twofold_core::mfa_info::{self, UserMfa};
use twofold_core::otp::{TotpOutcome, TotpParams, totp};
use twofold_core::secrets::{NONCE_LEN, SecretString, Seed};
use twofold_core::session::Session;
use twofold_core::user::User;
use twofold_core::{Factor, backup_codes};

use super::{Ctx, checks, events, sign_in, totp as totp_store, users};
use crate::error::Error;
use crate::http::auth::Caller;
use crate::random;
use crate::state::Inner;

/// A pending TOTP authenticator must be proven within this time.
const PENDING_TTL_SECONDS: u64 = 600;

pub struct TotpEnrolment {
    pub authenticator: Authenticator,
    pub secret: String,
    pub uri: String,
    pub qr_svg: String,
}

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

pub async fn start_totp(
    state: &Inner,
    ctx: &Ctx,
    user: &User,
    name: Option<&str>,
) -> Result<TotpEnrolment, Error> {
    let settings = state.settings(&ctx.tenant_id).await?;
    if !settings.second_factors.contains(&Factor::Totp) {
        return Err(Error::Forbidden(
            "totp is not enabled for this tenant".to_owned(),
        ));
    }
    let existing = state.store.authenticators_of(&user.id).await?;
    authenticator::ensure_room(&existing)?;
    let name = authenticator::normalise_name(name, Factor::Totp, &existing)?;
    let id = random::new_id(state.random.as_ref())?;
    // 160 bits, as RFC 4226 recommends for HMAC-SHA-1.
    let seed = Seed::new(random::bytes::<20>(state.random.as_ref())?.to_vec());
    let params = TotpParams::default();
    let nonce = random::bytes::<NONCE_LEN>(state.random.as_ref())?;
    let authenticator = Authenticator {
        id: id.clone(),
        user_id: user.id.clone(),
        factor: Factor::Totp,
        name,
        state: AuthenticatorState::Pending,
        sealed_secret: Some(state.sealing.seal(
            nonce,
            &Authenticator::seal_context(&id),
            seed.expose(),
        )),
        params: serde_json::to_value(params).map_err(|e| Error::Internal(e.to_string()))?,
        last_step: None,
        created_at: ctx.now,
        last_used_at: None,
    };
    state.store.insert_authenticator(&authenticator).await?;
    events::record(
        state,
        ctx,
        EventType::AuthenticatorAdded,
        Some(&user.id),
        json!({"factor": Factor::Totp, "authenticator_id": id, "state": "pending"}),
    )
    .await?;
    let uri = totp_store::provisioning_uri(&state.totp_issuer, &user.username, &seed, &params);
    Ok(TotpEnrolment {
        qr_svg: totp_store::qr_svg(&uri)?,
        secret: seed.to_base32(),
        uri,
        authenticator,
    })
}

/// Proves a pending TOTP authenticator with a code from it. With a session, the proof also counts
/// as a TOTP check in that session, and the rotated session token is returned.
pub async fn verify_totp(
    state: &Inner,
    ctx: &Ctx,
    user: &User,
    session: Option<&Session>,
    authenticator_id: Option<&str>,
    code: &SecretString,
) -> Result<(Authenticator, Option<SecretString>), Error> {
    let authenticators = state.store.authenticators_of(&user.id).await?;
    let pending = authenticators
        .iter()
        .filter(|a| a.factor == Factor::Totp && a.state == AuthenticatorState::Pending)
        .filter(|a| authenticator_id.is_none_or(|id| a.id == id))
        .max_by_key(|a| a.created_at);
    let Some(pending) = pending else {
        let active = authenticator_id.is_some_and(|id| authenticators.iter().any(|a| a.id == id));
        return Err(if active {
            Error::Conflict("authenticator is already active".to_owned())
        } else {
            Error::NotFound("pending totp authenticator")
        });
    };
    if ctx.now.seconds_since(pending.created_at) >= PENDING_TTL_SECONDS {
        return Err(Error::CodeExpired);
    }
    if user.second_factor.lock.is_locked(ctx.now) {
        return Err(Error::Locked {
            until: user.second_factor.lock.until(),
        });
    }
    let seed = totp_store::seed_of(state, pending)?;
    let params = totp_store::params_of(pending)?;
    let TotpOutcome::Accepted { step } = totp::verify(&seed, &params, code.expose(), ctx.now, None)
    else {
        // Wrong proofs spend the same budget as wrong sign-in codes: guessing is guessing.
        let settings = state.settings(&ctx.tenant_id).await?;
        return Err(
            match checks::failed(state, ctx, &settings, user, Factor::Totp, "enrolment").await? {
                CheckOutcome::Locked { until } => Error::Locked { until },
                CheckOutcome::Failed { attempts_left } => Error::InvalidCode { attempts_left },
                _ => Error::InvalidCode { attempts_left: 0 },
            },
        );
    };
    if !state
        .store
        .activate_authenticator(&pending.id, Some(step), ctx.now)
        .await?
    {
        return Err(Error::Conflict(
            "authenticator is already active".to_owned(),
        ));
    }
    events::record(
        state,
        ctx,
        EventType::AuthenticatorActivated,
        Some(&user.id),
        json!({"factor": Factor::Totp, "authenticator_id": pending.id}),
    )
    .await?;
    let token = match session {
        Some(session) => Some(sign_in::record_pass(state, ctx, session, Factor::Totp).await?),
        None => None,
    };
    let mut active = pending.clone();
    active.state = AuthenticatorState::Active;
    active.last_step = Some(step);
    active.last_used_at = Some(ctx.now);
    Ok((active, token))
}

/// A new set of backup codes, replacing any earlier set; the codes are shown once.
pub async fn new_backup_codes(state: &Inner, ctx: &Ctx, user: &User) -> Result<Vec<String>, Error> {
    let settings = state.settings(&ctx.tenant_id).await?;
    if !settings.second_factors.contains(&Factor::BackupCode) {
        return Err(Error::Forbidden(
            "backup codes are not enabled for this tenant".to_owned(),
        ));
    }
    let codes = backup_codes::generate(&random::bytes(state.random.as_ref())?);
    let domain = checks::backup_code_domain(&user.id);
    let hashes: Vec<_> = codes
        .iter()
        .filter_map(|code| backup_codes::normalise(code))
        .map(|code| state.hashing.hash(&domain, &code))
        .collect();
    let set = Authenticator {
        id: random::new_id(state.random.as_ref())?,
        user_id: user.id.clone(),
        factor: Factor::BackupCode,
        name: "backup codes".to_owned(),
        state: AuthenticatorState::Active,
        sealed_secret: None,
        params: json!({"codes": hashes.len()}),
        last_step: None,
        created_at: ctx.now,
        last_used_at: None,
    };
    state.store.replace_backup_codes(&set, &hashes).await?;
    events::record(
        state,
        ctx,
        EventType::AuthenticatorAdded,
        Some(&user.id),
        json!({"factor": Factor::BackupCode, "authenticator_id": set.id, "codes": hashes.len()}),
    )
    .await?;
    Ok(codes)
}

/// Removes an authenticator unless that would leave a user who must use MFA without a second factor.
pub async fn remove(
    state: &Inner,
    ctx: &Ctx,
    user: &User,
    authenticator_id: &str,
) -> Result<(), Error> {
    let settings = state.settings(&ctx.tenant_id).await?;
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
    let user_mfa = UserMfa {
        mfa_enabled: user.mfa_enabled,
        required_factors: &user.required_factors,
        active_factors: &remaining,
    };
    if target.is_usable() && !mfa_info::may_remove(&settings, &user_mfa, &remaining) {
        return Err(Error::Conflict(
            "this is the user's last second factor and MFA is required".to_owned(),
        ));
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
