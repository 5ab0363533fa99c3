//! Lockout: consecutive failures spend a budget; an empty budget locks the user.
//!
//! Two budgets per user: one for passwords, one shared by every second factor, so an attacker
//! cannot rotate between TOTP, backup codes and (later) SMS or email codes to get more guesses.

use serde::{Deserialize, Serialize};

use crate::quota::Window;
use crate::{DomainError, UnixTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LockMode {
    /// Locked for `duration_seconds`, then a fresh budget.
    Suspend,
    /// Locked until an administrator unlocks.
    Block,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockoutPolicy {
    /// Consecutive failed second-factor checks that lock.
    pub max_attempts: u32,
    /// Consecutive failed passwords that lock.
    pub password_max_attempts: u32,
    pub duration_seconds: u64,
    pub mode: LockMode,
    /// Failed passwords allowed from one client address, across all users, per window: one
    /// address trying a common password on many accounts never reaches any account's limit.
    pub per_ip: Window,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy {
            max_attempts: 5,
            password_max_attempts: 10,
            duration_seconds: 900,
            mode: LockMode::Suspend,
            per_ip: Window {
                limit: 100,
                seconds: 3600,
            },
        }
    }
}

impl LockoutPolicy {
    pub fn validate(&self) -> Result<(), DomainError> {
        if !(1..=100).contains(&self.max_attempts)
            || !(1..=100).contains(&self.password_max_attempts)
        {
            return Err(DomainError::invalid(
                "lockout attempts must be between 1 and 100",
            ));
        }
        if self.per_ip.limit == 0 || !(1..=86_400).contains(&self.per_ip.seconds) {
            return Err(DomainError::invalid(
                "lockout.per_ip needs a limit ≥ 1 and 1 to 86400 seconds",
            ));
        }
        if self.mode == LockMode::Suspend && !(1..=31_536_000).contains(&self.duration_seconds) {
            return Err(DomainError::invalid(
                "lockout.duration_seconds must be 1 to 31536000",
            ));
        }
        Ok(())
    }

    pub fn limit(&self, budget: Budget) -> u32 {
        match budget {
            Budget::Password => self.password_max_attempts,
            Budget::SecondFactor => self.max_attempts,
        }
    }

    /// The lock that `failures` consecutive failures earn, if any.
    pub fn lock_after(&self, budget: Budget, failures: u32, now: UnixTime) -> Option<LockState> {
        (failures >= self.limit(budget)).then(|| match self.mode {
            LockMode::Suspend => LockState::Until(now.plus_seconds(self.duration_seconds)),
            LockMode::Block => LockState::Blocked,
        })
    }

    pub fn attempts_left(&self, budget: Budget, failures: u32) -> u32 {
        self.limit(budget).saturating_sub(failures)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Budget {
    Password,
    SecondFactor,
}

impl Budget {
    pub fn as_str(self) -> &'static str {
        match self {
            Budget::Password => "password",
            Budget::SecondFactor => "second_factor",
        }
    }
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

/// One budget's state as stored on the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counter {
    pub failures: u32,
    pub lock: LockState,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fifth_second_factor_failure_suspends_for_fifteen_minutes() {
        let policy = LockoutPolicy::default();
        let now = UnixTime(1000);
        assert_eq!(policy.lock_after(Budget::SecondFactor, 4, now), None);
        assert_eq!(policy.attempts_left(Budget::SecondFactor, 4), 1);
        let lock = policy.lock_after(Budget::SecondFactor, 5, now).unwrap();
        assert_eq!(lock, LockState::Until(UnixTime(1900)));
        assert!(lock.is_locked(UnixTime(1899)));
        assert!(!lock.is_locked(UnixTime(1900)));
    }

    #[test]
    fn passwords_have_their_own_larger_budget() {
        let policy = LockoutPolicy::default();
        assert_eq!(policy.lock_after(Budget::Password, 9, UnixTime(0)), None);
        assert!(
            policy
                .lock_after(Budget::Password, 10, UnixTime(0))
                .is_some()
        );
    }

    #[test]
    fn block_mode_holds_until_an_admin_unlocks() {
        let policy = LockoutPolicy {
            mode: LockMode::Block,
            ..LockoutPolicy::default()
        };
        let lock = policy
            .lock_after(Budget::SecondFactor, 5, UnixTime(0))
            .unwrap();
        assert!(lock.is_locked(UnixTime(i64::MAX - 1)));
        assert_eq!(lock.until(), None);
    }
}
