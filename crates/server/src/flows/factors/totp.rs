//! TOTP, all of it: enrolling an authenticator (sealed seed, provisioning URI, QR code), proving
//! it, and checking a code in a sign-in; as a first factor in `totp/passwordless.rs`.

use qrcode::QrCode;
use qrcode::render::svg;
use serde::Deserialize;
use serde_json::json;
use twofold_core::authenticator::{self, Authenticator, AuthenticatorState};
use twofold_core::check::CheckOutcome;
use twofold_core::event::EventType;
use twofold_core::otp::{TotpOutcome, TotpParams, totp};
use twofold_core::secrets::{NONCE_LEN, SecretString, Seed};
use twofold_core::session::Session;
use twofold_core::settings::LoginSettings;
use twofold_core::step::{self, TotpDecision, TotpVerdict};
use twofold_core::user::User;
use twofold_core::{Factor, UnixTime};
use twofold_store::Consumption;

use super::budget;
use crate::error::Error;
use crate::flows::step_writes::Pending;
use crate::flows::{Ctx, events, session_commit};
use crate::random;
use crate::state::Inner;

mod passwordless;
pub(in crate::flows) use passwordless::{first_factor, opens_sign_in};

/// A pending TOTP authenticator must be proven within this time.
const PENDING_TTL_SECONDS: u64 = 600;

pub struct TotpEnrolment {
    pub authenticator: Authenticator,
    pub secret: String,
    pub uri: String,
    pub qr_svg: String,
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
    let uri = provisioning_uri(&state.totp_issuer, &user.username, &seed, &params);
    Ok(TotpEnrolment {
        qr_svg: qr_svg(&uri)?,
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
    let seed = seed_of(state, pending)?;
    let params = params_of(pending)?;
    // Wrong proofs spend the same budget as wrong sign-in codes — guessing is guessing — and,
    // as there, an attempt is taken before the code is evaluated, so racing guesses are capped.
    let settings = state.settings(&ctx.tenant_id).await?;
    let counter =
        match budget::reserve_outside_step(state, ctx, &settings, user, Factor::Totp).await? {
            Ok(counter) => counter,
            Err(refused) => return Err(enrolment_error(refused)),
        };
    let TotpOutcome::Accepted { step } = totp::verify(&seed, &params, code.expose(), ctx.now, None)
    else {
        let failed = budget::failed_reserved(
            state,
            ctx,
            &settings,
            user,
            Factor::Totp,
            "enrolment",
            counter,
        )
        .await?;
        return Err(enrolment_error(failed));
    };
    // A right code gives its attempt back.
    state.store.release_second_factor_attempt(&user.id).await?;
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
        Some(session) => {
            Some(session_commit::record_pass(state, ctx, session, Factor::Totp).await?)
        }
        None => None,
    };
    let mut active = pending.clone();
    active.state = AuthenticatorState::Active;
    active.last_step = Some(step);
    active.last_used_at = Some(ctx.now);
    Ok((active, token))
}

/// The problem for an enrolment or contact proof that was refused or failed.
pub(in crate::flows) fn enrolment_error(outcome: CheckOutcome) -> Error {
    match outcome {
        CheckOutcome::Locked { until } => Error::Locked { until },
        CheckOutcome::Failed { attempts_left } => Error::InvalidCode { attempts_left },
        _ => Error::InvalidCode { attempts_left: 0 },
    }
}

pub(in crate::flows) async fn check(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user: &User,
    authenticators: &[Authenticator],
    code: &str,
    pending: &mut Pending,
) -> Result<CheckOutcome, Error> {
    let counter = match budget::reserve(state, ctx, settings, user, Factor::Totp, pending).await? {
        Ok(counter) => counter,
        Err(locked) => return Ok(locked),
    };
    let verdicts = verdicts_of(state, authenticators, code, ctx.now)?;
    match step::decide_totp(&verdicts) {
        TotpDecision::Pass {
            authenticator_id,
            step,
        } => {
            // The step's transaction decides: of two requests with one code, exactly one
            // consumes it; the other is told it was replayed.
            let consumption = Consumption::TotpStep {
                authenticator_id,
                step,
                at: ctx.now,
            };
            Ok(budget::passed_reserved(
                user,
                Factor::Totp,
                ctx,
                pending,
                Some((consumption, step::REPLAYED)),
                counter,
            ))
        }
        TotpDecision::Fail { replayed } => {
            let reason = if replayed { step::REPLAYED } else { "wrong" };
            budget::failed_reserved(state, ctx, settings, user, Factor::Totp, reason, counter).await
        }
    }
}

/// Each usable TOTP authenticator's verdict on `code`.
fn verdicts_of<'a>(
    state: &Inner,
    authenticators: &'a [Authenticator],
    code: &str,
    now: UnixTime,
) -> Result<Vec<TotpVerdict<'a>>, Error> {
    let mut verdicts = Vec::new();
    for authenticator in authenticators
        .iter()
        .filter(|a| a.factor == Factor::Totp && a.is_usable())
    {
        let seed = seed_of(state, authenticator)?;
        let params = params_of(authenticator)?;
        let outcome = totp::verify(&seed, &params, code, now, authenticator.last_step);
        verdicts.push(TotpVerdict {
            authenticator_id: &authenticator.id,
            outcome,
        });
        // The first acceptance decides (`step::decide_totp`): the seeds after it need not open.
        if matches!(outcome, TotpOutcome::Accepted { .. }) {
            break;
        }
    }
    Ok(verdicts)
}

pub fn seed_of(state: &Inner, authenticator: &Authenticator) -> Result<Seed, Error> {
    let sealed = authenticator.sealed_secret.as_deref().ok_or_else(|| {
        Error::Internal(format!("authenticator {} has no secret", authenticator.id))
    })?;
    let opened = state
        .sealing
        .open(&Authenticator::seal_context(&authenticator.id), sealed)
        .map_err(|e| Error::Internal(format!("authenticator {}: {e}", authenticator.id)))?;
    Ok(Seed::new(opened.to_vec()))
}

pub fn params_of(authenticator: &Authenticator) -> Result<TotpParams, Error> {
    TotpParams::deserialize(&authenticator.params)
        .map_err(|e| Error::Internal(format!("authenticator {} params: {e}", authenticator.id)))
}

/// `otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`
pub fn provisioning_uri(issuer: &str, account: &str, seed: &Seed, params: &TotpParams) -> String {
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm={}&digits={}&period={}",
        percent_encode(issuer),
        percent_encode(account),
        seed.to_base32(),
        percent_encode(issuer),
        params.algorithm.as_str(),
        params.digits,
        params.period
    )
}

pub fn qr_svg(uri: &str) -> Result<String, Error> {
    let code = QrCode::new(uri.as_bytes()).map_err(|e| Error::Internal(format!("QR code: {e}")))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build())
}

/// RFC 3986 unreserved characters pass; everything else (including `:` and spaces) is escaped.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_in_the_uri() {
        let seed = Seed::new(vec![0; 20]);
        let uri = provisioning_uri(
            "Acme Corp",
            "alice@example.com",
            &seed,
            &TotpParams::default(),
        );
        assert_eq!(
            uri,
            "otpauth://totp/Acme%20Corp:alice%40example.com?secret=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&issuer=Acme%20Corp&algorithm=SHA1&digits=6&period=30"
        );
    }
}
