//! Backup codes as the way out of a lock: a valid code passes for a user locked under
//! `suspend` or `security_questions`, or held at the captcha, and lifts the lock (a passed
//! check: the run of failures ends). A block stays blocked. Attempts come from the lock's own
//! small unlock budget (`lockout.unlock_attempts`), reserved before the code is looked at, so
//! the fallback is no way around the budget.
//!
//! The security questions unlock a `security_questions` lock through the same budget and the
//! same writes ([`reserve`], [`lifted`], [`failed`]); `security_questions.rs` compares the answers.

use serde_json::json;
use twofold_core::Factor;
use twofold_core::backup_codes;
use twofold_core::check::CheckOutcome;
use twofold_core::event::EventType;
use twofold_core::lockout::{FallbackOutcome, SecondFactorGate, UnlockAttempt, UnlockWith};
use twofold_core::settings::LoginSettings;
use twofold_core::user::User;
use twofold_store::{Consumption, Reservation};

use super::backup_codes::backup_code_domain;
use super::captcha;
use crate::error::Error;
use crate::flows::failure_writes::FailureWrite;
use crate::flows::step_writes::{LostAs, Pass, Pending, Reserved, Unlocking};
use crate::flows::{Ctx, events};
use crate::state::Inner;

/// A backup code tried while `gate` holds (anything but open).
pub(in crate::flows) async fn check(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user: &User,
    code: &str,
    gate: SecondFactorGate,
    pending: &mut Pending,
) -> Result<CheckOutcome, Error> {
    let unlocking = match reserve(state, ctx, settings, user, gate, UnlockWith::BackupCode).await? {
        Ok(unlocking) => unlocking,
        Err(locked) => return Ok(locked),
    };
    let Some(code) = backup_codes::normalise(code) else {
        return failed(state, ctx, settings, user, unlocking).await;
    };
    // The step's transaction decides: a code that is not one of the user's unused ones fails
    // the step there and is told as a failed unlock (`failed`).
    let consumption = Consumption::BackupCode {
        user_id: user.id.clone(),
        code_hash: state.hashing.hash(&backup_code_domain(&user.id), &code),
        at: ctx.now,
    };
    Ok(lifted(
        ctx,
        user,
        Factor::BackupCode,
        consumption,
        unlocking,
        pending,
    ))
}

/// Takes one of the lock's unlock attempts for `with` before anything is compared, or answers
/// the lock that still holds: no more unlocks are tried than the budget allows.
pub(in crate::flows) async fn reserve(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user: &User,
    gate: SecondFactorGate,
    with: UnlockWith,
) -> Result<Result<Unlocking, CheckOutcome>, Error> {
    let policy = &settings.lockout;
    match policy.may_try_unlock(gate, with, 0) {
        UnlockAttempt::Allowed { .. } => {}
        UnlockAttempt::NotAnUnlock | UnlockAttempt::Exhausted | UnlockAttempt::NotLocked => {
            return still_locked(state, ctx, settings, gate).map(Err);
        }
    }
    match state
        .store
        .reserve_unlock_attempt(&user.id, policy.unlock_attempts)
        .await?
    {
        Reservation::Taken(failures) => Ok(Ok(Unlocking {
            gate,
            with,
            failures,
        })),
        Reservation::Refused(_) => still_locked(state, ctx, settings, gate).map(Err),
    }
}

/// A passed unlock: `consumption` is spent in the step's transaction, which lifts the lock and
/// ends the run (a passed check of `factor`) and tells both; a proof spent first by another
/// request is told as a failed unlock instead.
pub(in crate::flows) fn lifted(
    ctx: &Ctx,
    user: &User,
    factor: Factor,
    consumption: Consumption,
    unlocking: Unlocking,
    pending: &mut Pending,
) -> CheckOutcome {
    let lost = LostAs {
        user: user.clone(),
        factor,
        reason: "wrong",
        counter: Some(user.second_factor),
        unlock: Some(unlocking),
    };
    pending.pass(Pass {
        consume: Some((consumption, lost)),
        reserved: Some(Reserved::Unlock {
            user_id: user.id.clone(),
        }),
    });
    pending.lift_second_factor_lock(&user.id);
    let lock = lifted_name(unlocking.gate);
    let by = unlock_name(unlocking.with);
    if unlocking.with == UnlockWith::BackupCode {
        pending.event(events::new(
            ctx,
            EventType::LockFallback,
            Some(&user.id),
            json!({"result": "unlocked", "lock": lock, "unlock_failures": unlocking.failures - 1}),
        ));
    }
    pending.event(events::new(
        ctx,
        EventType::UserUnlocked,
        Some(&user.id),
        json!({"by": by, "lock": lock}),
    ));
    CheckOutcome::Passed {
        factor,
        at: ctx.now,
    }
}

/// A wrong code at the fallback (or a wrong set of answers to a questions lock), its unlock
/// attempt already counted: told with the unlock attempts left, or as the lock that still holds
/// once none are (a questions lock then stays until an administrator unlocks).
pub(in crate::flows) async fn failed(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user: &User,
    unlocking: Unlocking,
) -> Result<CheckOutcome, Error> {
    let policy = &settings.lockout;
    let before = unlocking.failures.saturating_sub(1);
    let outcome = policy.after_unlock_attempt(false, before);
    let attempts_left = match outcome {
        FallbackOutcome::Failed { attempts_left, .. } => attempts_left,
        FallbackOutcome::Exhausted { .. } | FallbackOutcome::Unlocked { .. } => 0,
    };
    let lock = lifted_name(unlocking.gate);
    let (kind, detail) = match unlocking.with {
        UnlockWith::SecurityQuestions => (
            EventType::SessionCheckFailed,
            json!({"factor": Factor::SecurityQuestions, "reason": "wrong", "lock": lock, "unlock_failures": unlocking.failures, "attempts_left": attempts_left}),
        ),
        UnlockWith::BackupCode | UnlockWith::Admin => (
            EventType::LockFallback,
            json!({"result": "failed", "lock": lock, "unlock_failures": unlocking.failures, "attempts_left": attempts_left}),
        ),
    };
    let mut write = FailureWrite::default();
    write.event(events::new(ctx, kind, Some(&user.id), detail));
    write.commit(state).await?;
    match attempts_left {
        0 => still_locked(state, ctx, settings, unlocking.gate),
        attempts_left => Ok(CheckOutcome::Failed { attempts_left }),
    }
}

/// The answer while the lock holds and the fallback cannot lift it (any more).
fn still_locked(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    gate: SecondFactorGate,
) -> Result<CheckOutcome, Error> {
    match gate {
        SecondFactorGate::Suspended { until } => Ok(CheckOutcome::Locked { until: Some(until) }),
        SecondFactorGate::CaptchaRequired | SecondFactorGate::Open => Err(captcha::required(
            state,
            ctx,
            settings,
            "no backup code attempts are left; solve the captcha",
        )),
        SecondFactorGate::QuestionsRequired | SecondFactorGate::Blocked => {
            Ok(CheckOutcome::Locked { until: None })
        }
    }
}

/// How a lock was lifted, as the events name it.
fn unlock_name(with: UnlockWith) -> &'static str {
    match with {
        UnlockWith::Admin => "admin",
        UnlockWith::BackupCode => "backup_code",
        UnlockWith::SecurityQuestions => "security_questions",
    }
}

/// What the fallback lifted, as the events name it.
fn lifted_name(gate: SecondFactorGate) -> &'static str {
    match gate {
        SecondFactorGate::Suspended { .. } => "suspended",
        SecondFactorGate::QuestionsRequired => "security_questions",
        SecondFactorGate::CaptchaRequired => "captcha",
        SecondFactorGate::Blocked => "blocked",
        SecondFactorGate::Open => "open",
    }
}
