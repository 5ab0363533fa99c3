//! The captcha lockout type: after `lockout.captcha_after_failures` failed second factors (or,
//! for passwords, past a source's `per_source.free_attempts`), every attempt must carry a solved ALTCHA challenge that this server served (signed with a key
//! derived from the master key, its expiry in the salt) and that no attempt spent before.

use twofold_core::UnixTime;
use twofold_core::altcha::{self, AltchaChallenge, AltchaError, SALT_BYTES};
use twofold_core::settings::LoginSettings;

use crate::error::Error;
use crate::flows::Ctx;
use crate::random;
use crate::state::Inner;

/// How long a served challenge may be solved and posted: long enough for a slow device to
/// solve the hardest difficulty, short enough that an unspent one is soon useless.
pub const CHALLENGE_TTL_SECONDS: u64 = 600;

/// A new challenge of the tenant's difficulty.
pub fn challenge(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
) -> Result<AltchaChallenge, Error> {
    let salt = random::bytes::<SALT_BYTES>(state.random.as_ref())?;
    let number = u64::from_le_bytes(random::bytes::<8>(state.random.as_ref())?);
    Ok(altcha::create(
        &state.altcha,
        &salt,
        number,
        settings.lockout.captcha_difficulty,
        ctx.now.plus_seconds(CHALLENGE_TTL_SECONDS),
    ))
}

/// The answer to an attempt that needs a captcha: why, with a fresh challenge to solve.
pub fn required(state: &Inner, ctx: &Ctx, settings: &LoginSettings, reason: &'static str) -> Error {
    match challenge(state, ctx, settings) {
        Ok(challenge) => Error::CaptchaRequired {
            challenge: Box::new(challenge),
            reason,
        },
        Err(no_randomness) => no_randomness,
    }
}

/// Verifies a posted payload and spends it: `Ok` lets one attempt through. A payload that does
/// not verify, or was spent before, answers `captcha_required` with a new challenge.
pub async fn spend(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    payload: Option<&str>,
) -> Result<(), Error> {
    let Some(payload) = payload else {
        return Err(required(state, ctx, settings, REQUIRED));
    };
    let solved = altcha::verify(
        &state.altcha,
        payload,
        settings.lockout.captcha_difficulty,
        ctx.now,
    )
    .map_err(|refused| required(state, ctx, settings, reason(&refused)))?;
    let expires: UnixTime = solved.expires;
    match state
        .store
        .spend_captcha(&solved.id, expires, ctx.now)
        .await?
    {
        true => Ok(()),
        false => Err(required(state, ctx, settings, SPENT)),
    }
}

const REQUIRED: &str = "solve the captcha and send its payload with the next attempt";
const SPENT: &str = "this captcha was used before; solve the new one";

/// What the client is told about a payload that did not verify: enough to fix a client, nothing
/// about the key.
fn reason(refused: &AltchaError) -> &'static str {
    match refused {
        AltchaError::Expired => "the captcha has expired; solve the new one",
        AltchaError::Malformed => "the captcha payload is not base64 JSON of an ALTCHA solution",
        _ => "the captcha payload does not solve a challenge of this server; solve the new one",
    }
}
