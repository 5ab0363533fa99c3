//! Checking one second factor for one user, with lockout. Every refusal is counted before it is
//! told. Passwords are checked in `password_check.rs`.

use serde_json::json;
use twofold_core::authenticator::Authenticator;
use twofold_core::challenge::{Channel, Purpose};
use twofold_core::check::CheckOutcome;
use twofold_core::event::EventType;
use twofold_core::otp::{TotpOutcome, totp};
use twofold_core::quota::Scope;
use twofold_core::settings::LoginSettings;
use twofold_core::user::User;
use twofold_core::{Factor, backup_codes};

use super::codes::{self, Checked};
use super::{Ctx, events, totp as totp_store};
use crate::error::Error;
use crate::state::Inner;

/// The keyed-hash domain of a user's backup codes: the same code for two users hashes apart.
pub fn backup_code_domain(user_id: &str) -> String {
    format!("backup-code:{user_id}")
}

pub async fn totp(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user: &User,
    authenticators: &[Authenticator],
    code: &str,
) -> Result<CheckOutcome, Error> {
    if user.second_factor.lock.is_locked(ctx.now) {
        return Ok(CheckOutcome::Locked {
            until: user.second_factor.lock.until(),
        });
    }
    let mut replayed = false;
    for authenticator in authenticators
        .iter()
        .filter(|a| a.factor == Factor::Totp && a.is_usable())
    {
        let seed = totp_store::seed_of(state, authenticator)?;
        let params = totp_store::params_of(authenticator)?;
        match totp::verify(&seed, &params, code, ctx.now, authenticator.last_step) {
            TotpOutcome::Accepted { step } => {
                // The database decides: of two requests with one code, exactly one consumes it.
                if state
                    .store
                    .consume_totp_step(&authenticator.id, step, ctx.now)
                    .await?
                {
                    return passed(state, user, Factor::Totp, ctx).await;
                }
                replayed = true;
            }
            TotpOutcome::Replayed => replayed = true,
            TotpOutcome::Wrong => {}
        }
    }
    let reason = if replayed { "replayed" } else { "wrong" };
    let outcome = failed(state, ctx, settings, user, Factor::Totp, reason).await?;
    Ok(match outcome {
        CheckOutcome::Failed { attempts_left } if replayed => {
            CheckOutcome::Replayed { attempts_left }
        }
        other => other,
    })
}

pub async fn backup_code(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user: &User,
    code: &str,
) -> Result<CheckOutcome, Error> {
    if user.second_factor.lock.is_locked(ctx.now) {
        return Ok(CheckOutcome::Locked {
            until: user.second_factor.lock.until(),
        });
    }
    if let Some(code) = backup_codes::normalise(code) {
        let hash = state.hashing.hash(&backup_code_domain(&user.id), &code);
        if state
            .store
            .consume_backup_code(&user.id, &hash, ctx.now)
            .await?
        {
            return passed(state, user, Factor::BackupCode, ctx).await;
        }
    }
    failed(state, ctx, settings, user, Factor::BackupCode, "wrong").await
}

/// An SMS or email code in a sign-in. A wrong code spends a try of the challenge and one of the
/// user's second-factor budget, whichever runs out first.
pub async fn one_time_code(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user: &User,
    channel: Channel,
    code: &str,
) -> Result<CheckOutcome, Error> {
    if user.second_factor.lock.is_locked(ctx.now) {
        return Ok(CheckOutcome::Locked {
            until: user.second_factor.lock.until(),
        });
    }
    match codes::check(state, &user.id, channel, Purpose::SignIn, code, ctx.now).await? {
        Checked::Passed => passed(state, user, channel.factor(), ctx).await,
        Checked::Expired => Ok(CheckOutcome::Expired),
        Checked::Wrong { attempts_left } => {
            match failed(state, ctx, settings, user, channel.factor(), "wrong").await? {
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

/// A passed second factor: ends the run of failures and the escalation with it.
pub(super) async fn passed(
    state: &Inner,
    user: &User,
    factor: Factor,
    ctx: &Ctx,
) -> Result<CheckOutcome, Error> {
    let counter = user.second_factor;
    if counter.failures > 0 || counter.run > 0 || counter.lockouts > 0 {
        state.store.clear_second_factor_failures(&user.id).await?;
    }
    Ok(CheckOutcome::Passed {
        factor,
        at: ctx.now,
    })
}

/// Counts a failed second factor (atomically, so concurrent guesses all count), suspends when
/// the budget is spent — longer each time in a run — and blocks at the ceiling of consecutive
/// failures until an admin unlocks.
pub async fn failed(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user: &User,
    factor: Factor,
    reason: &str,
) -> Result<CheckOutcome, Error> {
    let policy = &settings.lockout;
    let counter = state.store.record_second_factor_failure(&user.id).await?;
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
    let Some(lock) = policy.second_factor_lock(counter, ctx.now) else {
        return Ok(CheckOutcome::Failed {
            attempts_left: policy.attempts_left(counter),
        });
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
