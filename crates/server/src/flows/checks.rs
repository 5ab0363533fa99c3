//! Checking one factor for one user, with lockout. Every refusal is counted before it is told.

use serde_json::json;
use twofold_core::authenticator::Authenticator;
use twofold_core::challenge::{Channel, Purpose};
use twofold_core::check::CheckOutcome;
use twofold_core::event::EventType;
use twofold_core::lockout::Budget;
use twofold_core::otp::{TotpOutcome, totp};
use twofold_core::quota::{self, Scope, WindowCount};
use twofold_core::secrets::SecretString;
use twofold_core::settings::LoginSettings;
use twofold_core::user::User;
use twofold_core::{Factor, UnixTime, backup_codes};

use super::codes::{self, Checked};
use super::{Ctx, events, totp as totp_store};
use crate::error::Error;
use crate::state::Inner;

/// The keyed-hash domain of a user's backup codes: the same code for two users hashes apart.
pub fn backup_code_domain(user_id: &str) -> String {
    format!("backup-code:{user_id}")
}

/// `user` is `None` for a login name nobody has: the same Argon2 work is done and the same
/// answer given as for a wrong password.
pub async fn password(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user: Option<&User>,
    password: &SecretString,
) -> Result<CheckOutcome, Error> {
    throttle_by_address(state, ctx, settings).await?;
    if let Some(user) = user
        && user.password.lock.is_locked(ctx.now)
    {
        return Ok(CheckOutcome::Locked {
            until: user.password.lock.until(),
        });
    }
    let stored = user.and_then(|u| u.password_hash.as_deref());
    let matched = state.passwords.verify(password, stored).await?;
    if !matched {
        count_failure_from_address(state, ctx).await?;
    }
    match user {
        Some(user) if matched => passed(state, user, Budget::Password, Factor::Password, ctx).await,
        Some(user) => {
            failed(
                state,
                ctx,
                settings,
                user,
                Budget::Password,
                Factor::Password,
                "wrong",
            )
            .await
        }
        None => {
            // Recorded like a known user's failure (and costing a write as it does), so that
            // credential stuffing against names nobody has shows in the audit log.
            let detail = json!({"factor": Factor::Password, "reason": "unknown_user"});
            events::record(state, ctx, EventType::SessionCheckFailed, None, detail).await?;
            Ok(CheckOutcome::Failed {
                attempts_left: settings.lockout.password_max_attempts,
            })
        }
    }
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
                    return passed(state, user, Budget::SecondFactor, Factor::Totp, ctx).await;
                }
                replayed = true;
            }
            TotpOutcome::Replayed => replayed = true,
            TotpOutcome::Wrong => {}
        }
    }
    let reason = if replayed { "replayed" } else { "wrong" };
    let outcome = failed(
        state,
        ctx,
        settings,
        user,
        Budget::SecondFactor,
        Factor::Totp,
        reason,
    )
    .await?;
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
            return passed(state, user, Budget::SecondFactor, Factor::BackupCode, ctx).await;
        }
    }
    failed(
        state,
        ctx,
        settings,
        user,
        Budget::SecondFactor,
        Factor::BackupCode,
        "wrong",
    )
    .await
}

/// Refuses password checks from an address that failed too many, across all users (password
/// spraying), before any work is done. Backends with the admin token are not throttled.
async fn throttle_by_address(
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

async fn count_failure_from_address(state: &Inner, ctx: &Ctx) -> Result<(), Error> {
    if let (Some(ip), false) = (&ctx.ip, ctx.admin) {
        state
            .store
            .record_hits(
                &ctx.tenant_id,
                &[(Scope::FailedPasswordIp, ip.clone())],
                ctx.now,
            )
            .await?;
    }
    Ok(())
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
        Checked::Passed => passed(state, user, Budget::SecondFactor, channel.factor(), ctx).await,
        Checked::Expired => Ok(CheckOutcome::Expired),
        Checked::Wrong { attempts_left } => {
            match failed(
                state,
                ctx,
                settings,
                user,
                Budget::SecondFactor,
                channel.factor(),
                "wrong",
            )
            .await?
            {
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

/// A passed check: ends the budget's run of failures.
pub(super) async fn passed(
    state: &Inner,
    user: &User,
    budget: Budget,
    factor: Factor,
    ctx: &Ctx,
) -> Result<CheckOutcome, Error> {
    if user.counter(budget).failures > 0 {
        state.store.clear_failures(&user.id, budget).await?;
    }
    Ok(CheckOutcome::Passed {
        factor,
        at: ctx.now,
    })
}

/// Counts the failure (atomically, so concurrent guesses all count) and locks at the limit.
pub async fn failed(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user: &User,
    budget: Budget,
    factor: Factor,
    reason: &str,
) -> Result<CheckOutcome, Error> {
    let failures = state.store.record_failure(&user.id, budget).await?;
    // A rolling count beside the consecutive one: a pass ends a run, not the memory of it.
    state
        .store
        .record_hits(
            &ctx.tenant_id,
            &[(Scope::FailedCheckUser, user.id.clone())],
            ctx.now,
        )
        .await?;
    let detail = json!({"factor": factor, "reason": reason, "failures": failures});
    events::record(
        state,
        ctx,
        EventType::SessionCheckFailed,
        Some(&user.id),
        detail,
    )
    .await?;
    match settings.lockout.lock_after(budget, failures, ctx.now) {
        Some(lock) => {
            state.store.lock(&user.id, budget, lock).await?;
            let detail = json!({"budget": budget.as_str(), "mode": settings.lockout.mode, "locked_until": lock.until().map(|t| t.0)});
            events::record(state, ctx, EventType::UserLocked, Some(&user.id), detail).await?;
            Ok(CheckOutcome::Locked {
                until: lock.until(),
            })
        }
        None => Ok(CheckOutcome::Failed {
            attempts_left: settings.lockout.attempts_left(budget, failures),
        }),
    }
}
