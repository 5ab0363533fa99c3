//! Backup codes as the way out of a lock: a valid code passes for a user locked under
//! `suspend` or `security_questions`, or held at the captcha, and lifts the lock (a passed
//! check: the run of failures ends). A block stays blocked. Attempts come from the lock's own
//! small unlock budget (`lockout.unlock_attempts`), reserved before the code is looked at, so
//! the fallback is no way around the budget.

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
    let policy = &settings.lockout;
    match policy.may_try_unlock(gate, UnlockWith::BackupCode, 0) {
        UnlockAttempt::Allowed { .. } => {}
        UnlockAttempt::NotAnUnlock | UnlockAttempt::Exhausted | UnlockAttempt::NotLocked => {
            return still_locked(state, ctx, settings, gate);
        }
    }
    let failures = match state
        .store
        .reserve_unlock_attempt(&user.id, policy.unlock_attempts)
        .await?
    {
        Reservation::Taken(failures) => failures,
        Reservation::Refused(_) => return still_locked(state, ctx, settings, gate),
    };
    let unlocking = Unlocking { gate, failures };
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
    let lost = LostAs {
        user: user.clone(),
        factor: Factor::BackupCode,
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
    let lifted = lifted_name(gate);
    pending.event(events::new(
        ctx,
        EventType::LockFallback,
        Some(&user.id),
        json!({"result": "unlocked", "lock": lifted, "unlock_failures": failures - 1}),
    ));
    pending.event(events::new(
        ctx,
        EventType::UserUnlocked,
        Some(&user.id),
        json!({"by": "backup_code", "lock": lifted}),
    ));
    Ok(CheckOutcome::Passed {
        factor: Factor::BackupCode,
        at: ctx.now,
    })
}

/// A wrong code at the fallback, its unlock attempt already counted: told with the unlock
/// attempts left, or as the lock that still holds once none are.
pub(in crate::flows) async fn failed(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user: &User,
    unlocking: Unlocking,
) -> Result<CheckOutcome, Error> {
    let policy = &settings.lockout;
    let before = unlocking.failures.saturating_sub(1);
    let outcome =
        policy.after_unlock_attempt(UnlockWith::BackupCode, false, user.second_factor, before);
    let attempts_left = match outcome {
        FallbackOutcome::Failed { attempts_left, .. } => attempts_left,
        FallbackOutcome::Exhausted { .. } | FallbackOutcome::Unlocked { .. } => 0,
    };
    let mut write = FailureWrite::default();
    write.event(events::new(
        ctx,
        EventType::LockFallback,
        Some(&user.id),
        json!({"result": "failed", "lock": lifted_name(unlocking.gate), "unlock_failures": unlocking.failures, "attempts_left": attempts_left}),
    ));
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
