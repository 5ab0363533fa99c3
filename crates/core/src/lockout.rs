//! Lockout: consecutive failures spend a budget; an empty budget locks.
//!
//! Second factors: one budget per user shared by every second factor, so an attacker cannot
//! rotate between TOTP, backup codes and SMS or email codes to get more guesses. Each suspension
//! is longer than the one before (doubling, capped), and a ceiling of consecutive failures across
//! suspensions blocks the factor until an administrator unlocks (NIST SP 800-63B §5.2.2).
//!
//! Passwords: counted per login name *and* client address (a source), and per login name alone
//! (the account), whether or not anyone has that name. A source that keeps failing waits longer
//! and longer; only the account-wide ceiling, high enough to mark an attack rather than typos,
//! locks the name for everyone. Someone who knows a login name can no longer lock its owner out
//! from one address.

use serde::{Deserialize, Serialize};

use crate::quota::Window;
use crate::{DomainError, UnixTime};

/// The tenant's lockout type (`lockout.mode`, also read as `lockout.type`): what an empty
/// second-factor budget leads to, and what lifts it (see [`SecondFactorGate`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LockMode {
    /// Locked for `duration_seconds` (longer each time), then a fresh budget.
    Suspend,
    /// Locked until an administrator unlocks.
    Block,
    /// Locked until the user answers their security questions (timed, as `Suspend`, for a user
    /// who has none).
    SecurityQuestions,
    /// Never locked below the ceiling: after `captcha_after_failures` every attempt must carry a
    /// solved ALTCHA challenge of `captcha_difficulty`.
    Captcha,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LockoutPolicy {
    /// Consecutive failed second-factor checks that suspend.
    pub max_attempts: u32,
    /// Consecutive failed second-factor checks, across suspensions, that block until an admin
    /// unlocks (at most 100, NIST SP 800-63B).
    pub max_consecutive_failures: u32,
    /// Consecutive failed passwords for one login name, from anywhere, that lock the name for
    /// everyone (at most 100, NIST SP 800-63B): the mark of an attack, not of typos.
    pub password_max_attempts: u32,
    /// The first suspension; each further one in the same run of failures is twice as long.
    pub duration_seconds: u64,
    /// The longest a suspension grows to.
    pub max_duration_seconds: u64,
    #[serde(alias = "type")]
    pub mode: LockMode,
    /// Captcha type: consecutive failures after which each attempt needs a solved captcha.
    #[serde(alias = "captcha_after")]
    pub captcha_after_failures: u32,
    /// Captcha type: the ALTCHA `maxnumber` (a solver tries half of it on average).
    pub captcha_difficulty: u64,
    /// Attempts at unlocking (a backup code, or the security questions) allowed per lock: the
    /// fallback must not be a way around the budget.
    pub unlock_attempts: u32,
    /// Failed passwords for one login name from one client address before that source waits.
    pub per_source: SourceThrottle,
    /// Failed passwords allowed from one client address, across all users, per window: one
    /// address trying a common password on many accounts never reaches any account's limit.
    pub per_ip: Window,
}

/// How a source (one login name from one client address) is slowed down after failed passwords.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SourceThrottle {
    /// Consecutive failures before the source has to wait.
    pub free_attempts: u32,
    /// The first wait; each further failure doubles it.
    pub delay_seconds: u64,
    /// The longest wait.
    pub max_delay_seconds: u64,
}

impl Default for SourceThrottle {
    fn default() -> Self {
        SourceThrottle {
            free_attempts: 5,
            delay_seconds: 60,
            max_delay_seconds: 3600,
        }
    }
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy {
            max_attempts: 5,
            max_consecutive_failures: 100,
            password_max_attempts: 100,
            duration_seconds: 900,
            max_duration_seconds: 86_400,
            mode: LockMode::Suspend,
            captcha_after_failures: 3,
            captcha_difficulty: 100_000,
            unlock_attempts: 5,
            per_source: SourceThrottle::default(),
            per_ip: Window {
                limit: 100,
                seconds: 3600,
            },
        }
    }
}

/// The largest any lock or wait may be: a year.
const YEAR: u64 = 31_536_000;

/// The shortest time a password throttle row outlives its last failure.
const DAY: u64 = 86_400;

impl LockoutPolicy {
    pub fn validate(&self) -> Result<(), DomainError> {
        if !(1..=100).contains(&self.max_attempts)
            || !(1..=100).contains(&self.password_max_attempts)
            || !(self.max_attempts..=100).contains(&self.max_consecutive_failures)
        {
            return Err(DomainError::invalid(
                "lockout attempts must be between 1 and 100, and max_consecutive_failures at least max_attempts",
            ));
        }
        if self.per_ip.limit == 0 || !(1..=86_400).contains(&self.per_ip.seconds) {
            return Err(DomainError::invalid(
                "lockout.per_ip needs a limit ≥ 1 and 1 to 86400 seconds",
            ));
        }
        let source = &self.per_source;
        if !(1..=100).contains(&source.free_attempts)
            || !(1..=YEAR).contains(&source.delay_seconds)
            || !(source.delay_seconds..=YEAR).contains(&source.max_delay_seconds)
        {
            return Err(DomainError::invalid(
                "lockout.per_source needs free_attempts 1 to 100 and 1 ≤ delay_seconds ≤ max_delay_seconds ≤ 31536000",
            ));
        }
        if !(1..=100).contains(&self.captcha_after_failures)
            || !(1_000..=10_000_000).contains(&self.captcha_difficulty)
            || !(1..=20).contains(&self.unlock_attempts)
        {
            return Err(DomainError::invalid(
                "lockout needs captcha_after_failures 1 to 100, captcha_difficulty 1000 to 10000000 and unlock_attempts 1 to 20",
            ));
        }
        // The cap is not checked against duration_seconds: settings stored before it existed may
        // name a first suspension longer than its default, and the cap never shortens that one.
        if !(1..=YEAR).contains(&self.duration_seconds)
            || !(1..=YEAR).contains(&self.max_duration_seconds)
        {
            return Err(DomainError::invalid(
                "lockout needs duration_seconds and max_duration_seconds from 1 to 31536000",
            ));
        }
        Ok(())
    }

    /// How long the suspension after `earlier` suspensions in the same run lasts: doubling from
    /// `duration_seconds`, capped at `max_duration_seconds` (or at the first, if that is longer).
    pub fn suspension_seconds(&self, earlier: u32) -> u64 {
        let cap = self.max_duration_seconds.max(self.duration_seconds);
        doubled(self.duration_seconds, earlier, cap)
    }

    /// The lock that a second-factor failure earns, given the counter after counting it, for a
    /// caller that knows only suspensions and blocks: the `security_questions` and `captcha`
    /// types suspend here, since such a caller could neither ask the questions nor a captcha.
    /// [`LockoutPolicy::second_factor_lock_for`] gives every type its own lock.
    pub fn second_factor_lock(&self, counter: Counter, now: UnixTime) -> Option<Lock> {
        if counter.run >= self.max_consecutive_failures {
            return Some(Lock {
                state: LockState::Blocked,
                level: counter.lockouts + 1,
                ceiling: true,
            });
        }
        (counter.failures >= self.max_attempts).then(|| self.lock(counter.lockouts, now))
    }

    /// Second-factor guesses left before the next lock (suspension or ceiling), as
    /// [`LockoutPolicy::second_factor_lock`] locks. [`LockoutPolicy::attempts_left_for`]
    /// counts under every type.
    pub fn attempts_left(&self, counter: Counter) -> u32 {
        self.max_attempts
            .saturating_sub(counter.failures)
            .min(self.max_consecutive_failures.saturating_sub(counter.run))
    }

    /// The lock that a failed password earns the account (the login name, from anywhere). The
    /// lockout types are about second factors: questions cannot be asked of someone who has not
    /// given the password, and the account ceiling marks an attack that a captcha would not stop,
    /// so under those two types the account is suspended.
    pub fn password_lock(&self, account: Counter, now: UnixTime) -> Option<Lock> {
        (account.failures >= self.password_max_attempts).then(|| self.lock(account.lockouts, now))
    }

    /// Password guesses left before the login name is locked for everyone.
    pub fn password_attempts_left(&self, account: Counter) -> u32 {
        self.password_max_attempts.saturating_sub(account.failures)
    }

    /// How long a password throttle (a source's or an account's run) is kept after its last
    /// failure once no lock holds: a day (at least the per-address window), or the longest
    /// source wait or account suspension if that is longer, so a run and its escalation are not
    /// forgotten sooner than its longest wait.
    pub fn password_throttle_keep_seconds(&self) -> u64 {
        DAY.max(self.per_source.max_delay_seconds)
            .max(self.max_duration_seconds.max(self.duration_seconds))
    }

    /// Password throttles whose last failure came before this, and that hold no lock at `now`,
    /// are forgotten.
    pub fn stale_password_failures_before(&self, now: UnixTime) -> UnixTime {
        let keep = i64::try_from(self.password_throttle_keep_seconds()).unwrap_or(i64::MAX);
        UnixTime(now.0.saturating_sub(keep))
    }

    /// How long a source waits after its `failures`-th consecutive failure, if at all.
    /// (Under the captcha type [`LockoutPolicy::password_step`] asks a captcha instead of
    /// honouring the wait.)
    pub fn source_delay(&self, failures: u32) -> Option<u64> {
        let source = &self.per_source;
        failures
            .checked_sub(source.free_attempts)
            .map(|beyond| doubled(source.delay_seconds, beyond, source.max_delay_seconds))
    }

    /// Whether a password may be tried now, before any work is done: the account's lock first
    /// (it holds for everyone), then the source's wait.
    pub fn password_gate(&self, throttle: &PasswordThrottle, now: UnixTime) -> PasswordGate {
        if throttle.account.lock.is_locked(now) {
            return PasswordGate::Locked(throttle.account.lock);
        }
        match throttle.source.lock {
            LockState::Until(until) if now < until => PasswordGate::Wait {
                retry_after_seconds: until.seconds_since(now).max(1),
            },
            _ => PasswordGate::Open,
        }
    }

    /// A lock by suspension or block: the types that need more of the caller suspend.
    fn lock(&self, earlier: u32, now: UnixTime) -> Lock {
        let mode = match self.mode {
            LockMode::Block => LockMode::Block,
            _ => LockMode::Suspend,
        };
        self.lock_as(mode, earlier, now)
    }

    fn lock_as(&self, mode: LockMode, earlier: u32, now: UnixTime) -> Lock {
        let state = match mode {
            LockMode::Suspend | LockMode::Captcha => {
                LockState::Until(now.plus_seconds(self.suspension_seconds(earlier)))
            }
            LockMode::Block | LockMode::SecurityQuestions => LockState::Blocked,
        };
        Lock {
            state,
            level: earlier + 1,
            ceiling: false,
        }
    }
}

/// `base` doubled `times` times, at most `cap`.
fn doubled(base: u64, times: u32, cap: u64) -> u64 {
    base.saturating_mul(2u64.saturating_pow(times)).min(cap)
}

/// A lock a failure earned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lock {
    pub state: LockState,
    /// Which lock of the run this is: 1 for the first suspension, 2 for the next…
    pub level: u32,
    /// The ceiling of consecutive failures was reached: blocked until an admin unlocks.
    pub ceiling: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LockState {
    #[default]
    Open,
    Until(UnixTime),
    Blocked,
}

impl LockState {
    pub fn is_locked(self, now: UnixTime) -> bool {
        match self {
            LockState::Open => false,
            LockState::Until(until) => now < until,
            LockState::Blocked => true,
        }
    }

    /// When a timed lock ends; `None` for a block (or no lock).
    pub fn until(self) -> Option<UnixTime> {
        match self {
            LockState::Until(until) => Some(until),
            _ => None,
        }
    }
}

/// One run of failures as stored: on the user for second factors, per source and per account
/// for passwords.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counter {
    /// Failures since the last lock (or pass): the budget spent.
    pub failures: u32,
    /// Consecutive failures since the last pass, across locks.
    pub run: u32,
    /// Locks earned in this run.
    pub lockouts: u32,
    pub lock: LockState,
}

/// What is known about one login name's failed passwords: from this source, and from anywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PasswordThrottle {
    pub source: Counter,
    pub account: Counter,
}

/// Whether a password check may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordGate {
    Open,
    /// This source must wait.
    Wait {
        retry_after_seconds: u64,
    },
    /// The login name is locked for everyone.
    Locked(LockState),
}

mod unlock;
pub use unlock::{
    FallbackOutcome, PasswordStep, SecondFactorGate, UnlockAttempt, UnlockPaths, UnlockWith,
};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod unlock_tests;
