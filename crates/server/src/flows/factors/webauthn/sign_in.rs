//! WebAuthn in a sign-in: the challenge (request options for the browser) and the check of the
//! assertion that answers it. Three shapes:
//! - no user yet: a discoverable (passkey) sign-in — the credential names its user;
//! - a named user before any first factor: an allow-list of their passkeys, user verification
//!   required (a stable stand-in list when they have none or do not exist);
//! - after a first factor: an allow-list of all their WebAuthn credentials, as a second factor.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use twofold_core::Factor;
use twofold_core::check::CheckOutcome;
use twofold_core::lockout::Counter;
use twofold_core::session::Session;
use twofold_core::settings::LoginSettings;
use twofold_core::step;
use twofold_core::user::User;
use twofold_core::webauthn::{Ceremony, CeremonyPurpose, CredentialKind};
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyAuthentication, PublicKeyCredential, SecurityKey,
    SecurityKeyAuthentication,
};

use super::credentials::{
    counter_spent, credentials, internal, reason, refusal, refused, stand_in,
};
use crate::error::Error;
use crate::flows::Ctx;
use crate::flows::factors::budget;
use crate::flows::step_writes::{LostAs, Pass, Pending};
use crate::flows::subject::Subject;
use crate::random;
use crate::state::Inner;

/// What a started WebAuthn challenge hands the browser.
pub struct WebauthnIssued {
    pub exchange_id: String,
    pub options: Value,
}

/// How much user verification a WebAuthn challenge asks of the authenticator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserVerification {
    Required,
    Preferred,
    Discouraged,
}

#[derive(Debug, Default)]
pub struct WebauthnChallenge {
    /// `Required` asks even security keys for user verification after a first factor.
    pub user_verification: Option<UserVerification>,
}

#[derive(Debug)]
pub struct WebauthnCheck {
    /// The browser's `PublicKeyCredential` from `navigator.credentials.get()`, as JSON.
    pub credential_assertion: PublicKeyCredential,
}

/// The ceremony's state as stored server-side between challenge and check (persisted, hence
/// serde; never on the wire).
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", content = "state", rename_all = "snake_case")]
enum SignIn {
    SecondFactor(SecurityKeyAuthentication),
    Verified(PasskeyAuthentication),
    Passwordless(PasskeyAuthentication),
    /// A stand-in allow-list: no assertion answers it.
    StandIn,
    Discoverable(DiscoverableAuthentication),
}

pub(in crate::flows) async fn start(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    session: &Session,
    subject: &mut Subject,
    asked: WebauthnChallenge,
) -> Result<WebauthnIssued, Error> {
    let uv_asked = asked.user_verification == Some(UserVerification::Required);
    let rp = state.relying_party()?;
    let passkeys_first = settings.first_factors.contains(&Factor::Passkey);
    let first_done = settings.first_factor_passed(&session.valid_checks(settings, ctx.now));
    let (options, sign_in) = match (&session.user_id, first_done) {
        (None, _) => {
            if !passkeys_first {
                return Err(Error::Forbidden(
                    "passkeys are not a first factor for this tenant".to_owned(),
                ));
            }
            let (mut rcr, st) = rp
                .webauthn
                .start_discoverable_authentication()
                .map_err(internal)?;
            // A modal sign-in the person asked for, not the autofill of conditional mediation.
            rcr.mediation = None;
            (
                serde_json::to_value(rcr).map_err(internal)?,
                SignIn::Discoverable(st),
            )
        }
        (Some(_), true) => {
            let factors: Vec<Factor> = [Factor::Webauthn, Factor::Passkey]
                .into_iter()
                .filter(|f| settings.second_factors.contains(f))
                .collect();
            let found = credentials(subject.authenticators(state).await?, &factors)?;
            // Where security keys are not a factor of the tenant, only a verified passkey counts:
            // ask for verification rather than accept an assertion that would count for nothing.
            let uv_required = uv_asked || !settings.second_factors.contains(&Factor::Webauthn);
            if found.is_empty() {
                return Err(Error::InvalidRequest(
                    "`webauthn` is not set up for this user".to_owned(),
                ));
            }
            if uv_required {
                let keys: Vec<Passkey> = found.into_iter().map(|(_, c)| c.into()).collect();
                let (rcr, st) = rp
                    .webauthn
                    .start_passkey_authentication(&keys)
                    .map_err(internal)?;
                (
                    serde_json::to_value(rcr).map_err(internal)?,
                    SignIn::Verified(st),
                )
            } else {
                let keys: Vec<SecurityKey> = found.into_iter().map(|(_, c)| c.into()).collect();
                let (rcr, st) = rp
                    .webauthn
                    .start_securitykey_authentication(&keys)
                    .map_err(internal)?;
                (
                    serde_json::to_value(rcr).map_err(internal)?,
                    SignIn::SecondFactor(st),
                )
            }
        }
        (Some(user_id), false) => {
            if !passkeys_first {
                return Err(Error::InvalidRequest(
                    "a first factor (password) must pass before a second factor".to_owned(),
                ));
            }
            let found = match subject.user.is_some() {
                true => credentials(subject.authenticators(state).await?, &[Factor::Passkey])?,
                false => Vec::new(),
            };
            // Nobody, or nobody with a passkey: a stand-in list, the same every time for the name.
            let (keys, stand_in_used) = match found.is_empty() {
                true => (vec![stand_in(state, &ctx.tenant_id, user_id)?], true),
                false => (found.into_iter().map(|(_, c)| c.into()).collect(), false),
            };
            let (rcr, st) = rp
                .webauthn
                .start_passkey_authentication(&keys)
                .map_err(internal)?;
            let sign_in = match stand_in_used {
                true => SignIn::StandIn,
                false => SignIn::Passwordless(st),
            };
            (serde_json::to_value(rcr).map_err(internal)?, sign_in)
        }
    };
    let mut options = options;
    options["publicKey"]["timeout"] = json!(settings.webauthn.ceremony_timeout_seconds * 1000);
    // Security keys are asked without user verification; `preferred` lets the authenticator
    // verify if it can. Either way the assertion counts as a security key, so the ceremony's own
    // (discouraged) policy still holds.
    if matches!(sign_in, SignIn::SecondFactor(_))
        && asked.user_verification == Some(UserVerification::Preferred)
    {
        options["publicKey"]["userVerification"] = json!("preferred");
    }
    let purpose = match sign_in {
        SignIn::Discoverable(_) => CeremonyPurpose::Discover,
        _ => CeremonyPurpose::Authenticate,
    };
    let ceremony = Ceremony {
        id: random::new_id(state.random.as_ref())?,
        tenant_id: ctx.tenant_id.clone(),
        purpose,
        session_id: Some(session.id.clone()),
        user_id: session.user_id.clone(),
        authenticator_id: None,
        state: serde_json::to_string(&sign_in).map_err(internal)?,
        created_at: ctx.now,
        expires_at: settings.webauthn.ceremony_expires_at(ctx.now),
    };
    state.store.replace_ceremony(&ceremony).await?;
    Ok(WebauthnIssued {
        exchange_id: ceremony.id,
        options,
    })
}

/// Verifies an assertion against the session's live ceremony, which it spends. A discoverable
/// sign-in identifies the session's user from the credential.
pub(in crate::flows) async fn check(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    session: &mut Session,
    subject: &mut Subject,
    answer: WebauthnCheck,
    pending: &mut Pending,
) -> Result<CheckOutcome, Error> {
    let rp = state.relying_party()?;
    let assertion = answer.credential_assertion;
    let ceremony = state
        .store
        .take_ceremony(Some(&session.id), None, ctx.now)
        .await?
        .ok_or(Error::CodeExpired)?;
    let sign_in: SignIn = serde_json::from_str(&ceremony.state).map_err(internal)?;
    let (user, second_factor) = match &sign_in {
        SignIn::Discoverable(_) => {
            let Ok((handle, _)) = rp.webauthn.identify_discoverable_authentication(&assertion)
            else {
                return Err(Error::InvalidCredentials);
            };
            let found = state
                .store
                .user(&ctx.tenant_id, &handle.to_string())
                .await?;
            let Some(user) = found else {
                return Err(Error::InvalidCredentials);
            };
            (user, false)
        }
        SignIn::StandIn => return Err(Error::InvalidCredentials),
        SignIn::Passwordless(_) | SignIn::Verified(_) | SignIn::SecondFactor(_) => {
            let user = subject
                .user
                .clone()
                .filter(|u| ceremony.user_id.as_deref() == Some(u.id.as_str()))
                .ok_or(Error::InvalidCredentials)?;
            (user, !matches!(sign_in, SignIn::Passwordless(_)))
        }
    };
    // After a first factor an assertion spends the second-factor budget like any guess: reserved
    // before it is verified, so racing assertions are no way around the budget. Before one
    // nothing is counted (nobody may lock a user out by naming them).
    let reserved = match second_factor {
        true => {
            match budget::reserve(state, ctx, settings, &user, Factor::Webauthn, pending).await? {
                Ok(counter) => Some(counter),
                Err(refused) => return Ok(refused),
            }
        }
        false => None,
    };
    let authenticators = if matches!(sign_in, SignIn::Discoverable(_)) {
        state.store.authenticators_of(&user.id).await?
    } else {
        subject.authenticators(state).await?.to_vec()
    };
    let factors = [Factor::Webauthn, Factor::Passkey];
    let mine = credentials(&authenticators, &factors)?;
    let used = mine
        .iter()
        .find(|(_, c)| c.cred_id.as_slice() == assertion.get_credential_id());
    let verified = match (&sign_in, used) {
        (_, None) => Err("the credential is not one of this user's".to_owned()),
        (SignIn::Discoverable(st), Some((a, c))) => {
            if a.factor != Factor::Passkey {
                Err("a security key cannot sign in without a password".to_owned())
            } else {
                rp.webauthn
                    .finish_discoverable_authentication_v2(&assertion, st.clone(), c)
                    .map_err(reason)
            }
        }
        (SignIn::Passwordless(st) | SignIn::Verified(st), Some(_)) => rp
            .webauthn
            .finish_passkey_authentication(&assertion, st)
            .map_err(reason),
        (SignIn::SecondFactor(st), Some(_)) => rp
            .webauthn
            .finish_securitykey_authentication(&assertion, st)
            .map_err(reason),
        (SignIn::StandIn, Some(_)) => Err("stand-in".to_owned()),
    };
    let (result, authenticator, credential) = match (verified, used) {
        (Ok(result), Some((a, c))) => (result, a.clone(), c.clone()),
        (Err(why), _) => return failed(state, ctx, settings, &user, reserved, &why).await,
        (Ok(_), None) => {
            let why = "unknown credential";
            return failed(state, ctx, settings, &user, reserved, why).await;
        }
    };
    // A lock is told only to someone who proved the credential, so it reveals nothing to a
    // prober. A passkey is not held back by failed passwords: it is the stronger proof.
    if let Some(locked) = step::lock_refusal(user.second_factor.lock, ctx.now) {
        return Ok(locked);
    }
    // The new counter is spent in the step's transaction: of two assertions racing with one
    // counter, the one that loses is this check's failure (`counter_regression`).
    let consumption = counter_spent(&authenticator, credential, &result, ctx.now)?;
    let kind = CredentialKind::of_factor(authenticator.factor)
        .ok_or_else(|| Error::Internal("a WebAuthn check matched another factor".to_owned()))?;
    let factor = kind.counts_as(result.user_verified());
    // A passed check ends a run of second-factor failures, as for every other factor, and gives
    // its attempt back.
    let passed = match reserved {
        Some(counter) => {
            let consume = Some((consumption, COUNTER_REGRESSION));
            budget::passed_reserved(&user, factor, ctx, pending, consume, counter)
        }
        None => {
            let lost = LostAs {
                user: user.clone(),
                factor,
                reason: COUNTER_REGRESSION,
                counter: None,
                unlock: None,
            };
            pending.pass(Pass {
                consume: Some((consumption, lost)),
                reserved: None,
            });
            budget::passed(&user, factor, ctx, pending)
        }
    };
    // The counter the step saves makes the credentials loaded above stale: whatever comes next
    // in this request (a new challenge) reads them again.
    if matches!(sign_in, SignIn::Discoverable(_)) {
        session.identify(&user.id, ctx.now)?;
        *subject = Subject {
            user: Some(user),
            authenticators: None,
        };
    } else {
        subject.authenticators = None;
    }
    Ok(passed)
}

/// Why a credential's counter did not move forward, as the audit log tells it.
const COUNTER_REGRESSION: &str = "counter_regression";

/// A refused assertion: recorded; after a first factor it spends the attempt it reserved like any
/// wrong code, before one it spends nothing (an assertion cannot be guessed, and nobody may lock
/// a user out by naming them).
async fn failed(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user: &User,
    reserved: Option<Counter>,
    why: &str,
) -> Result<CheckOutcome, Error> {
    let Some(counter) = reserved else {
        refused(state, ctx, user, "authenticate", why).await?;
        return Err(Error::InvalidCredentials);
    };
    // The refusal is told with the failure it counts, in its one transaction.
    let factor = Factor::Webauthn;
    let (outcome, mut write) =
        budget::failure_of(state, ctx, settings, user, factor, "webauthn", counter).await?;
    write.event_first(refusal(ctx, user, "authenticate", why));
    write.commit(state).await?;
    Ok(outcome)
}
