//! The lockout types' decisions: what holds for a user now, what lets an attempt through, what
//! lifts a lock, and the backup-code fallback with its own small budget.
//!
//! A lock is stored as a [`LockState`] (open, until a time, blocked) and read under the tenant's
//! current type: a security-questions lock is stored blocked and answering lifts it; a block or
//! the ceiling of consecutive failures only an administrator lifts. A type changed while a user
//! is locked applies to that lock from then on.

use super::{Counter, LockMode, LockState, LockoutPolicy, PasswordGate, PasswordThrottle};
use crate::UnixTime;

/// What the user has that can lift a lock, as far as the lockout type needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UnlockPaths {
    /// Active security questions: without them a security-questions lock is a timed suspension,
    /// so nobody is left with no way out but an administrator.
    pub security_questions: bool,
}

/// What holds for a user's second factors now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactorGate {
    Open,
    /// Captcha type: this attempt must carry a solved, unspent ALTCHA payload.
    CaptchaRequired,
    /// Timed: it ends by itself; a backup code lifts it sooner.
    Suspended {
        until: UnixTime,
    },
    /// Security-questions type: answering them lifts the lock, so does a backup code.
    QuestionsRequired,
    /// Only an administrator lifts it: the block type, or the ceiling of consecutive failures.
    Blocked,
}

impl SecondFactorGate {
    /// Whether a second-factor check may be tried now. `captcha_solved`: the attempt carries a
    /// payload that verified and was not spent before.
    pub fn allows_attempt(self, captcha_solved: bool) -> bool {
        match self {
            SecondFactorGate::Open => true,
            SecondFactorGate::CaptchaRequired => captcha_solved,
            _ => false,
        }
    }
}

/// A way of lifting a lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnlockWith {
    /// An administrator's unlock: lifts every lock.
    Admin,
    /// The user's security questions (only where the type is `security_questions`).
    SecurityQuestions,
    /// A backup code: the fallback for every type but `block`.
    BackupCode,
}

/// Whether an unlock may be tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnlockAttempt {
    /// Try it; `attempts_left` includes this one.
    Allowed { attempts_left: u32 },
    /// This lock's unlock budget is spent: wait, or an administrator.
    Exhausted,
    /// This way does not lift this lock (a backup code against a block).
    NotAnUnlock,
    /// There is no lock to lift.
    NotLocked,
}

/// What an unlock attempt led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FallbackOutcome {
    /// The lock is lifted; store `counter` and reset the unlock failures. A backup code and a
    /// right set of answers are passed checks and end the run of failures.
    Unlocked { counter: Counter },
    /// Wrong; store `unlock_failures`.
    Failed {
        unlock_failures: u32,
        attempts_left: u32,
    },
    /// Wrong, and that was the last unlock attempt of this lock.
    Exhausted { unlock_failures: u32 },
}

/// The password step under the tenant's type: the captcha type asks a source that keeps
/// failing for a solved captcha instead of making it wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordStep {
    Open,
    CaptchaRequired,
    Wait { retry_after_seconds: u64 },
    Locked(LockState),
}

impl LockoutPolicy {
    fn at_ceiling(&self, counter: Counter) -> bool {
        counter.run >= self.max_consecutive_failures
    }

    /// The lock a second-factor failure earns under the tenant's type, for a user with `paths`:
    /// a security-questions lock is stored blocked (answering lifts it), or suspends someone
    /// with no questions; the captcha type never locks below the ceiling.
    pub fn second_factor_lock_for(
        &self,
        counter: Counter,
        paths: UnlockPaths,
        now: UnixTime,
    ) -> Option<super::Lock> {
        if self.at_ceiling(counter) {
            return self.second_factor_lock(counter, now);
        }
        let mode = match self.mode {
            LockMode::Captcha => return None,
            LockMode::SecurityQuestions if !paths.security_questions => LockMode::Suspend,
            mode => mode,
        };
        (counter.failures >= self.max_attempts).then(|| self.lock_as(mode, counter.lockouts, now))
    }

    /// Second-factor guesses left before the next lock under the tenant's type: the captcha
    /// type slows guesses instead of locking, so only the ceiling is left to count down to.
    pub fn attempts_left_for(&self, counter: Counter) -> u32 {
        match self.mode {
            LockMode::Captcha => self.max_consecutive_failures.saturating_sub(counter.run),
            _ => self.attempts_left(counter),
        }
    }

    /// The failures (since the last lock or pass) below which a second-factor attempt may be
    /// reserved: the budget that locks; under the captcha type, without a solved captcha the
    /// failures after which one is needed, with one the ceiling. Reserving below it in one
    /// conditional update keeps racing guesses from passing the captcha unsolved.
    pub fn reservable_below(&self, captcha_solved: bool) -> u32 {
        match (self.mode, captcha_solved) {
            (LockMode::Captcha, false) => self.captcha_after_failures,
            (LockMode::Captcha, true) => self.max_consecutive_failures,
            _ => self.max_attempts,
        }
    }

    /// What holds for the user's second factors now, read from the stored counter.
    pub fn second_factor_gate(
        &self,
        counter: Counter,
        paths: UnlockPaths,
        now: UnixTime,
    ) -> SecondFactorGate {
        match counter.lock {
            LockState::Blocked
                if !self.at_ceiling(counter)
                    && self.mode == LockMode::SecurityQuestions
                    && paths.security_questions =>
            {
                SecondFactorGate::QuestionsRequired
            }
            LockState::Blocked => SecondFactorGate::Blocked,
            LockState::Until(until) if now < until => SecondFactorGate::Suspended { until },
            _ if self.mode == LockMode::Captcha
                && counter.failures >= self.captcha_after_failures =>
            {
                SecondFactorGate::CaptchaRequired
            }
            _ => SecondFactorGate::Open,
        }
    }

    /// Whether `with` may be tried against `gate`, with `unlock_failures` already spent on this
    /// lock. Backup codes and questions share the budget: neither may be guessed without bound.
    pub fn may_try_unlock(
        &self,
        gate: SecondFactorGate,
        with: UnlockWith,
        unlock_failures: u32,
    ) -> UnlockAttempt {
        let budget = || match self.unlock_attempts.saturating_sub(unlock_failures) {
            0 => UnlockAttempt::Exhausted,
            attempts_left => UnlockAttempt::Allowed { attempts_left },
        };
        match (gate, with) {
            (SecondFactorGate::Open, _) => UnlockAttempt::NotLocked,
            (_, UnlockWith::Admin) => UnlockAttempt::Allowed { attempts_left: 1 },
            (SecondFactorGate::Blocked, _) => UnlockAttempt::NotAnUnlock,
            (SecondFactorGate::QuestionsRequired, UnlockWith::SecurityQuestions) => budget(),
            (_, UnlockWith::SecurityQuestions) => UnlockAttempt::NotAnUnlock,
            (_, UnlockWith::BackupCode) => budget(),
        }
    }

    /// The result of an allowed unlock attempt that `succeeded` or not.
    /// Every way out (a backup code, the questions) counts the same.
    pub fn after_unlock_attempt(&self, succeeded: bool, unlock_failures: u32) -> FallbackOutcome {
        if succeeded {
            // Every way out ends the run: a right set of answers is a passed `kba` check, and a
            // passed check ends the run whether or not a lock held (keeping the run here would
            // protect nothing that a pass before the lock does not already give away).
            return FallbackOutcome::Unlocked {
                counter: Counter::default(),
            };
        }
        let unlock_failures = unlock_failures.saturating_add(1);
        match self.unlock_attempts.saturating_sub(unlock_failures) {
            0 => FallbackOutcome::Exhausted { unlock_failures },
            attempts_left => FallbackOutcome::Failed {
                unlock_failures,
                attempts_left,
            },
        }
    }

    /// Whether a password may be tried now, under the tenant's type. The captcha type replaces a
    /// source's wait with a captcha, asked from the same failure (past `per_source.free_attempts`);
    /// every type keeps the account's lock.
    pub fn password_step(&self, throttle: &PasswordThrottle, now: UnixTime) -> PasswordStep {
        let gate = self.password_gate(throttle, now);
        if let PasswordGate::Locked(lock) = gate {
            return PasswordStep::Locked(lock);
        }
        if self.mode == LockMode::Captcha {
            // Where another type would start the source's wait: its free attempts are spent.
            return if self.source_delay(throttle.source.failures).is_some() {
                PasswordStep::CaptchaRequired
            } else {
                PasswordStep::Open
            };
        }
        match gate {
            PasswordGate::Wait {
                retry_after_seconds,
            } => PasswordStep::Wait {
                retry_after_seconds,
            },
            _ => PasswordStep::Open,
        }
    }
}
