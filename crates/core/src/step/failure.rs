//! What a failed check writes and answers, decided once: the counted failure's record, the
//! captcha threshold, the lock it earns (conditional on the budget still being spent, so of
//! failures racing to one lock exactly one tells it) and, for a password, its source's wait.
//! The flow maps the effects to one transaction.

use crate::check::CheckOutcome;
use crate::lockout::{Counter, Lock, LockMode, LockoutPolicy, PasswordThrottle, UnlockPaths};
use crate::{Factor, UnixTime};

/// A second-factor guess that failed, counted by the attempt it reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecondFactorFailure<'a> {
    pub factor: Factor,
    /// Why, as the audit log tells it (`wrong`, `replayed`, …).
    pub reason: &'a str,
    /// The user's counter after this failure was counted.
    pub counter: Counter,
    /// What the user has that can lift a lock (the security-questions type asks).
    pub paths: UnlockPaths,
}

/// A first-factor guess (a password, or a TOTP code where it opens a sign-in) that failed,
/// counted by the attempt it reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordFailure {
    pub factor: Factor,
    /// The name is someone's; a name nobody has is answered the same way, told apart only in the
    /// audit log.
    pub known_user: bool,
    /// The throttle after this failure was counted.
    pub after: PasswordThrottle,
    /// The failure came from a client address that is counted (not a backend with the admin
    /// token).
    pub from_source: bool,
    /// A TOTP code that opens a sign-in, right once but spent: counted like a wrong one and told
    /// as a replay.
    pub replayed: bool,
}

/// What a failed check writes, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureEffect<'a> {
    /// One more recent failure of the user (a rolling count) and the failed check told.
    SecondFactorFailed {
        factor: Factor,
        reason: &'a str,
        failures: u32,
        run: u32,
    },
    /// The captcha type's threshold was reached by this failure: from now on every attempt needs
    /// a solved captcha. Told once: each reservation counts a failure of its own.
    CaptchaRequired { failures: u32 },
    /// The second factor locks, only while its budget is still spent (`max_attempts` failures
    /// or the run at `ceiling`); the lock is told only by the failure whose lock lands.
    LockSecondFactor {
        lock: Lock,
        max_attempts: u32,
        ceiling: u32,
        run: u32,
    },
    /// A failed password: counted from the client address when `from_address`, and for the
    /// name (the recent-failures signal, kept for names nobody has too), and told.
    PasswordFailed {
        factor: Factor,
        known_user: bool,
        from_address: bool,
        failures: u32,
        from_source: u32,
    },
    /// The login name locks for everyone, only while its run is still at `ceiling`; told only
    /// where it lands.
    LockPasswordAccount { lock: Lock, ceiling: u32 },
    /// The source waits `seconds` before its next password.
    DelaySource { seconds: u64, failures: u32 },
}

/// A failed check's answer for the client and what it writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureDecision<'a> {
    pub outcome: CheckOutcome,
    pub effects: Vec<FailureEffect<'a>>,
}

/// A counted second-factor failure under the tenant's lockout type: recorded, the captcha
/// threshold told where it is reached, and locked when the budget is spent — longer each time
/// in a run — or blocked at the ceiling of consecutive failures. A replay is counted like a
/// wrong code and told as a replay.
pub fn second_factor_failed<'a>(
    policy: &LockoutPolicy,
    failure: SecondFactorFailure<'a>,
    now: UnixTime,
) -> FailureDecision<'a> {
    let counter = failure.counter;
    let mut effects = vec![FailureEffect::SecondFactorFailed {
        factor: failure.factor,
        reason: failure.reason,
        failures: counter.failures,
        run: counter.run,
    }];
    if policy.mode == LockMode::Captcha && counter.failures == policy.captcha_after_failures {
        effects.push(FailureEffect::CaptchaRequired {
            failures: counter.failures,
        });
    }
    let outcome = match policy.second_factor_lock_for(counter, failure.paths, now) {
        Some(lock) => {
            effects.push(FailureEffect::LockSecondFactor {
                lock,
                // The budget a lock empties: under the captcha type only the ceiling locks.
                max_attempts: policy.reservable_below(true),
                ceiling: policy.max_consecutive_failures,
                run: counter.run,
            });
            CheckOutcome::Locked {
                until: lock.state.until(),
            }
        }
        None => {
            let attempts_left = policy.attempts_left_for(counter);
            match failure.reason {
                REPLAYED => CheckOutcome::Replayed { attempts_left },
                _ => CheckOutcome::Failed { attempts_left },
            }
        }
    };
    FailureDecision { outcome, effects }
}

/// The reason of a guess that was right once but is spent: told to the client as a replay.
pub const REPLAYED: &str = "replayed";

/// A counted password failure: recorded (for names nobody has exactly as for users, so neither
/// the answers nor the writes tell who exists), then the account's lock at its ceiling, else the
/// source's wait once its free attempts are spent (under the captcha type no wait: the next
/// password asks a captcha, `LockoutPolicy::password_step`).
pub fn password_failed(
    policy: &LockoutPolicy,
    failure: PasswordFailure,
    now: UnixTime,
) -> FailureDecision<'static> {
    let after = failure.after;
    let mut effects = vec![FailureEffect::PasswordFailed {
        factor: failure.factor,
        known_user: failure.known_user,
        from_address: failure.from_source,
        failures: after.account.failures,
        from_source: after.source.failures,
    }];
    if let Some(lock) = policy.password_lock(after.account, now) {
        effects.push(FailureEffect::LockPasswordAccount {
            lock,
            ceiling: policy.password_max_attempts,
        });
        let outcome = CheckOutcome::Locked {
            until: lock.state.until(),
        };
        return FailureDecision { outcome, effects };
    }
    // Under the captcha type the source is asked a captcha instead of waiting.
    if let (true, false, Some(seconds)) = (
        failure.from_source,
        policy.mode == LockMode::Captcha,
        policy.source_delay(after.source.failures),
    ) {
        effects.push(FailureEffect::DelaySource {
            seconds,
            failures: after.source.failures,
        });
    }
    let attempts_left = policy.password_attempts_left(after.account);
    let outcome = match failure.replayed {
        true => CheckOutcome::Replayed { attempts_left },
        false => CheckOutcome::Failed { attempts_left },
    };
    FailureDecision { outcome, effects }
}
