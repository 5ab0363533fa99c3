//! Checking one second factor for one user, with lockout. Every refusal is counted before it is
//! told. Passwords are checked in `password_check.rs`.

use serde_json::json;
use twofold_core::authenticator::Authenticator;
use twofold_core::challenge::{Channel, Purpose};
use twofold_core::check::CheckOutcome;
use twofold_core::event::EventType;
use twofold_core::otp::totp;
use twofold_core::quota::Scope;
use twofold_core::settings::LoginSettings;
use twofold_core::step::{self, Failure, TotpDecision, TotpVerdict};
use twofold_core::user::User;
use twofold_core::{Factor, backup_codes};

use twofold_core::lockout::Counter;
use twofold_store::{Consumption, Reservation, SecondFactorBudget};

use super::codes::{self, Tried};
use super::step_writes::{LostAs, Pass, Pending, Reserved};
use super::{Ctx, events, totp as totp_store};
use crate::error::Error;
use crate::state::Inner;

/// The keyed-hash domain of a user's backup codes: the same code for two users hashes apart.
pub fn backup_code_domain(user_id: &str) -> String {
    format!("backup-code:{user_id}")
}

pub(super) async fn totp(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user: &User,
    authenticators: &[Authenticator],
    code: &str,
    pending: &mut Pending,
) -> Result<CheckOutcome, Error> {
    let counter = match reserve(state, ctx, settings, user).await? {
        Ok(counter) => counter,
        Err(locked) => return Ok(locked),
    };
    let mut verdicts = Vec::new();
    for authenticator in authenticators
        .iter()
        .filter(|a| a.factor == Factor::Totp && a.is_usable())
    {
        let seed = totp_store::seed_of(state, authenticator)?;
        let params = totp_store::params_of(authenticator)?;
        verdicts.push(TotpVerdict {
            authenticator_id: &authenticator.id,
            outcome: totp::verify(&seed, &params, code, ctx.now, authenticator.last_step),
        });
    }
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
            Ok(passed_reserved(
                user,
                Factor::Totp,
                ctx,
                pending,
                Some((consumption, "replayed")),
                counter,
            ))
        }
        TotpDecision::Fail { replayed } => {
            let reason = if replayed { "replayed" } else { "wrong" };
            let outcome =
                failed_reserved(state, ctx, settings, user, Factor::Totp, reason, counter).await?;
            Ok(as_replay(outcome, replayed))
        }
    }
}

/// A replayed code is counted like a wrong one and told as a replay.
pub(super) fn as_replay(outcome: CheckOutcome, replayed: bool) -> CheckOutcome {
    match outcome {
        CheckOutcome::Failed { attempts_left } if replayed => {
            CheckOutcome::Replayed { attempts_left }
        }
        other => other,
    }
}

/// Whether a backup code is one of the user's unused ones is decided by spending it in the
/// step's transaction: a code that is not there fails the step there.
pub(super) async fn backup_code(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user: &User,
    code: &str,
    pending: &mut Pending,
) -> Result<CheckOutcome, Error> {
    let counter = match reserve(state, ctx, settings, user).await? {
        Ok(counter) => counter,
        Err(locked) => return Ok(locked),
    };
    if let Some(code) = backup_codes::normalise(code) {
        let consumption = Consumption::BackupCode {
            user_id: user.id.clone(),
            code_hash: state.hashing.hash(&backup_code_domain(&user.id), &code),
            at: ctx.now,
        };
        return Ok(passed_reserved(
            user,
            Factor::BackupCode,
            ctx,
            pending,
            Some((consumption, "wrong")),
            counter,
        ));
    }
    failed_reserved(
        state,
        ctx,
        settings,
        user,
        Factor::BackupCode,
        "wrong",
        counter,
    )
    .await
}

/// An SMS or email code in a sign-in. A wrong code spends a try of the challenge and one of the
/// user's second-factor budget, whichever runs out first.
pub(super) async fn one_time_code(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user: &User,
    channel: Channel,
    code: &str,
    pending: &mut Pending,
) -> Result<CheckOutcome, Error> {
    let counter = match reserve(state, ctx, settings, user).await? {
        Ok(counter) => counter,
        Err(locked) => return Ok(locked),
    };
    match codes::try_code(state, &user.id, channel, Purpose::SignIn, code, ctx.now).await? {
        Tried::Matches { challenge_id, .. } => {
            let consumption = Consumption::Challenge { id: challenge_id };
            Ok(passed_reserved(
                user,
                channel.factor(),
                ctx,
                pending,
                Some((consumption, "wrong")),
                counter,
            ))
        }
        Tried::Expired => {
            // Nothing was evaluated: the attempt goes back.
            state.store.release_second_factor_attempt(&user.id).await?;
            Ok(CheckOutcome::Expired)
        }
        Tried::Wrong { attempts_left } => {
            let factor = channel.factor();
            match failed_reserved(state, ctx, settings, user, factor, "wrong", counter).await? {
                CheckOutcome::Failed {
                    attempts_left: budget,
                } => Ok(CheckOutcome::Failed {
                    attempts_left: budget.min(attempts_left),
                }),
                other => Ok(other),
            }
        }
    }
}

/// Takes one of the user's second-factor attempts before a guess is evaluated, or answers the
/// lock: however many guesses race, no more are evaluated than the budget allows.
async fn reserve(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user: &User,
) -> Result<Result<Counter, CheckOutcome>, Error> {
    let lock = user.second_factor.lock;
    if lock.is_locked(ctx.now) {
        return Ok(Err(CheckOutcome::Locked {
            until: lock.until(),
        }));
    }
    let policy = &settings.lockout;
    let budget = SecondFactorBudget {
        max_attempts: policy.max_attempts,
        ceiling: policy.max_consecutive_failures,
    };
    match state
        .store
        .reserve_second_factor_attempt(&user.id, budget, ctx.now)
        .await?
    {
        Reservation::Taken(counter) => Ok(Ok(counter)),
        // Spent by guesses still in flight, or locked since the user was read.
        Reservation::Refused(counter) => Ok(Err(step::refused_reservation(counter, ctx.now))),
    }
}

/// A passed check whose attempt was reserved: the step's transaction spends the proof, gives the
/// attempt back and ends the run of failures, all or nothing.
fn passed_reserved(
    user: &User,
    factor: Factor,
    ctx: &Ctx,
    pending: &mut Pending,
    consume: Option<(Consumption, &'static str)>,
    counter: Counter,
) -> CheckOutcome {
    pending.pass(Pass {
        consume: consume.map(|(consumption, reason)| {
            let lost = LostAs {
                user: user.clone(),
                factor,
                reason,
                counter,
            };
            (consumption, lost)
        }),
        reserved: Some(Reserved::SecondFactor {
            user_id: user.id.clone(),
        }),
    });
    passed(user, factor, ctx, pending)
}

/// A passed second factor: ends the run of failures and the escalation with it, in the step's
/// transaction.
pub(super) fn passed(
    user: &User,
    factor: Factor,
    ctx: &Ctx,
    pending: &mut Pending,
) -> CheckOutcome {
    pending.clear_second_factor(&user.id);
    CheckOutcome::Passed {
        factor,
        at: ctx.now,
    }
}

/// Counts a failed second factor and then answers it as [`failed_reserved`] does: for checks
/// that do not reserve (a WebAuthn assertion cannot be guessed, so it is evaluated first).
pub async fn failed(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user: &User,
    factor: Factor,
    reason: &str,
) -> Result<CheckOutcome, Error> {
    let counter = state.store.record_second_factor_failure(&user.id).await?;
    failed_reserved(state, ctx, settings, user, factor, reason, counter).await
}

/// Answers a counted second-factor failure: records it, suspends when
/// the budget is spent — longer each time in a run — and blocks at the ceiling of consecutive
/// failures until an admin unlocks.
/// `counter` is the user's counter after this failure was counted (by its reservation).
pub(super) async fn failed_reserved(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user: &User,
    factor: Factor,
    reason: &str,
    counter: Counter,
) -> Result<CheckOutcome, Error> {
    let policy = &settings.lockout;
    // A rolling count beside the consecutive one: a pass ends a run, not the memory of it.
    state
        .store
        .record_hits(
            &ctx.tenant_id,
            &[(Scope::FailedCheckUser, user.id.clone())],
            ctx.now,
        )
        .await?;
    let detail = json!({"factor": factor, "reason": reason, "failures": counter.failures, "consecutive_failures": counter.run});
    events::record(
        state,
        ctx,
        EventType::SessionCheckFailed,
        Some(&user.id),
        detail,
    )
    .await?;
    let lock = match step::after_failure(policy, counter, ctx.now) {
        Failure::Lock(lock) => lock,
        failed @ Failure::Failed { .. } => return Ok(failed.outcome()),
    };
    // Of failures racing into the same budget, one locks and tells.
    if state
        .store
        .lock_second_factor(
            &user.id,
            lock.state,
            policy.max_attempts,
            policy.max_consecutive_failures,
        )
        .await?
    {
        let until = lock.state.until();
        let (kind, detail) = if lock.ceiling {
            let detail = json!({"budget": "second_factor", "consecutive_failures": counter.run, "until": "unlocked"});
            (EventType::UserBlocked, detail)
        } else {
            let duration = until.map(|t| t.seconds_since(ctx.now));
            let detail = json!({"budget": "second_factor", "mode": policy.mode, "level": lock.level, "duration_seconds": duration, "locked_until": until.map(|t| t.0)});
            (EventType::UserLocked, detail)
        };
        events::record(state, ctx, kind, Some(&user.id), detail).await?;
    }
    Ok(CheckOutcome::Locked {
        until: lock.state.until(),
    })
}
