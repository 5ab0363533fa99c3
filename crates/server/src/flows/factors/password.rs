//! The password check with its throttles. Failures are counted per login name from this client
//! address (the source: waits that grow), per login name from anywhere (the account: a ceiling
//! that locks the name for everyone) and per address across all names (password spraying).
//!
//! The name is the session's subject: the user's id, or for a name nobody has its stand-in id (a
//! keyed hash of the normalised name). Unknown names are counted, refused and answered exactly as
//! known ones, and every refusal by a throttle comes before any Argon2 work, for both.

use serde_json::json;
use twofold_core::Factor;
use twofold_core::UnixTime;
use twofold_core::check::CheckOutcome;
use twofold_core::event::EventType;
use twofold_core::lockout::{PasswordGate, PasswordStep, PasswordThrottle};
use twofold_core::quota::{self, Scope, WindowCount};
use twofold_core::secrets::SecretString;
use twofold_core::settings::LoginSettings;
use twofold_core::step::{self, PasswordFailure};
use twofold_core::user::User;

use twofold_store::{Consumption, PasswordBudget, PasswordRun, Reservation};

use super::captcha;
use crate::error::Error;
use crate::flows::failure_writes::{About, FailureWrite};
use crate::flows::step_writes::{LostAs, Pass, Pending, Reserved};
use crate::flows::{Ctx, events};
use crate::state::Inner;

/// `subject` is the session's user id (a stand-in for a name nobody has); `user` is `None` for
/// a name nobody has, and then the same Argon2 work is done against a dummy hash. The attempt is
/// reserved (counted as a failure) before Argon2 runs; a right password gives it back and ends
/// the runs in the step's transaction.
pub(in crate::flows) async fn password(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    subject: &str,
    user: Option<&User>,
    password: &SecretString,
    pending: &mut Pending,
) -> Result<CheckOutcome, Error> {
    let after = match reserve(state, ctx, settings, subject, user, pending).await? {
        Ok(after) => after,
        Err(refused) => return Ok(refused),
    };
    let stored = user.and_then(|u| u.password_hash.as_deref());
    let matched = state.passwords.verify(password, stored).await?;
    match user {
        // A right password gives its attempt back and ends this source's run and the
        // account's, with the step.
        Some(_) if matched => Ok(passed(ctx, subject, Factor::Password, None, pending)),
        _ => {
            let guessed = Guessed {
                factor: Factor::Password,
                replayed: false,
            };
            failed(state, ctx, settings, subject, user, after, guessed).await
        }
    }
}

/// Takes one attempt of the password throttles for the login name `subject` from this client
/// address — refused by the address, the source or the account before any work — or answers
/// why not. Every guess at a first factor goes through it. Under the captcha type a source past
/// its free attempts spends the request's solved captcha instead of waiting
/// (`captcha_required` without one).
pub(in crate::flows) async fn reserve(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    subject: &str,
    user: Option<&User>,
    pending: &mut Pending,
) -> Result<Result<PasswordThrottle, CheckOutcome>, Error> {
    throttle_by_address(state, ctx, settings).await?;
    let source = source_of(ctx);
    let throttle = state
        .store
        .password_throttle(&ctx.tenant_id, subject, source)
        .await?;
    match settings.lockout.password_step(&throttle, ctx.now) {
        // Asked the same for a name nobody has: the source's run is counted for both.
        PasswordStep::CaptchaRequired => {
            captcha::spend(state, ctx, settings, pending.take_captcha().as_deref()).await?;
        }
        PasswordStep::Open | PasswordStep::Wait { .. } | PasswordStep::Locked(_) => {
            if let Some(refused) = gate(state, ctx, settings, user, &throttle).await? {
                return Ok(Err(refused));
            }
        }
    }
    let budget = PasswordBudget {
        account_max: settings.lockout.password_max_attempts,
    };
    match state
        .store
        .reserve_password_attempt(&ctx.tenant_id, subject, source, budget, ctx.now)
        .await?
    {
        Reservation::Taken(after) => Ok(Ok(after)),
        Reservation::Refused(now) => {
            // Spent by guesses in flight, or locked since it was read: either way not evaluated.
            Ok(Err(gate(state, ctx, settings, user, &now)
                .await?
                .unwrap_or(CheckOutcome::Locked { until: None })))
        }
    }
}

/// A first factor passed on an attempt [`reserve`] took: the step gives it back and ends the
/// runs of the source and the account, spending `consume` with it.
pub(in crate::flows) fn passed(
    ctx: &Ctx,
    subject: &str,
    factor: Factor,
    consume: Option<(Consumption, LostAs)>,
    pending: &mut Pending,
) -> CheckOutcome {
    let run = PasswordRun {
        tenant_id: ctx.tenant_id.clone(),
        subject: subject.to_owned(),
        source: source_of(ctx).map(str::to_owned),
    };
    pending.pass(Pass {
        consume,
        reserved: Some(Reserved::Password {
            tenant_id: run.tenant_id.clone(),
            subject: run.subject.clone(),
            source: run.source.clone(),
        }),
    });
    pending.clear_password(run);
    CheckOutcome::Passed {
        factor,
        at: ctx.now,
    }
}

/// The throttles' answer before any work: `None` when the password may be tried.
async fn gate(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user: Option<&User>,
    throttle: &PasswordThrottle,
) -> Result<Option<CheckOutcome>, Error> {
    match settings.lockout.password_gate(throttle, ctx.now) {
        PasswordGate::Open => Ok(None),
        PasswordGate::Wait {
            retry_after_seconds,
        } => {
            let detail = json!({"reason": "failed_passwords_from_source", "retry_after": retry_after_seconds});
            throttled(state, ctx, user, detail).await?;
            Err(Error::RateLimited {
                retry_after_seconds,
            })
        }
        PasswordGate::Locked(lock) => {
            let detail =
                json!({"reason": "login_name_locked", "locked_until": lock.until().map(|t| t.0)});
            throttled(state, ctx, user, detail).await?;
            Ok(Some(CheckOutcome::Locked {
                until: lock.until(),
            }))
        }
    }
}

/// The client address a password is counted under; backends with the admin token speak for many
/// people from one address, so only the account counts for them.
pub(in crate::flows) fn source_of(ctx: &Ctx) -> Option<&str> {
    ctx.ip.as_deref().filter(|_| !ctx.admin)
}

/// What a failed first factor was.
#[derive(Debug, Clone, Copy)]
pub(in crate::flows) struct Guessed {
    pub factor: Factor,
    /// A TOTP code that opens a sign-in, right once but spent: told as a replay.
    pub replayed: bool,
}

/// A wrong first factor (a password, or a TOTP code where it opens a sign-in), or any for a name
/// nobody has, already counted by its reservation (`after`): answered the same way for both
/// (costing the same writes), so neither the answers nor their timing tell who exists.
pub(in crate::flows) async fn failed(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    subject: &str,
    user: Option<&User>,
    after: PasswordThrottle,
    guessed: Guessed,
) -> Result<CheckOutcome, Error> {
    let policy = &settings.lockout;
    // Runs nobody has added to for long go, so names and addresses rotated by an attacker do
    // not grow the table without bound (one indexed delete; locks in force stay). Housekeeping,
    // not this failure's record: it stands on its own.
    state
        .store
        .forget_stale_password_failures(
            &ctx.tenant_id,
            policy.stale_password_failures_before(ctx.now),
            ctx.now,
        )
        .await?;
    let failure = PasswordFailure {
        factor: guessed.factor,
        known_user: user.is_some(),
        after,
        from_source: source_of(ctx).is_some(),
        replayed: guessed.replayed,
    };
    let decision = step::password_failed(policy, failure, ctx.now);
    let about = About {
        subject,
        user_id: user.map(|u| u.id.as_str()),
    };
    FailureWrite::of(ctx, settings, about, &decision.effects)
        .commit(state)
        .await?;
    Ok(decision.outcome)
}

async fn throttled(
    state: &Inner,
    ctx: &Ctx,
    user: Option<&User>,
    detail: serde_json::Value,
) -> Result<(), Error> {
    let user_id = user.map(|u| u.id.as_str());
    events::record(state, ctx, EventType::SessionThrottled, user_id, detail).await
}

/// Refuses password checks from an address that failed too many, across all users (password
/// spraying), before any work is done. Backends with the admin token are not throttled.
pub(in crate::flows) async fn throttle_by_address(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
) -> Result<(), Error> {
    let (Some(ip), false) = (&ctx.ip, ctx.admin) else {
        return Ok(());
    };
    let window = &settings.lockout.per_ip;
    let since = UnixTime(
        ctx.now
            .0
            .saturating_sub(i64::try_from(window.seconds).unwrap_or(i64::MAX)),
    );
    let seen = state
        .store
        .count_hits(&ctx.tenant_id, Scope::FailedPasswordIp, ip, since)
        .await?;
    // Counting this attempt too: the window is full when one more would exceed it.
    let with_this = WindowCount {
        count: seen.count + 1,
        oldest: seen.oldest,
    };
    let Some(retry_after_seconds) = quota::retry_after(window, with_this, ctx.now) else {
        return Ok(());
    };
    let detail =
        json!({"reason": "failed_passwords_from_address", "retry_after": retry_after_seconds});
    events::record(state, ctx, EventType::SessionThrottled, None, detail).await?;
    Err(Error::RateLimited {
        retry_after_seconds,
    })
}
