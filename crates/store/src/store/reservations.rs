use crate::StoreError;
use async_trait::async_trait;
use twofold_core::UnixTime;
use twofold_core::lockout::{Counter, PasswordThrottle};

/// Whether an attempt was taken from a budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation<T> {
    /// One attempt is taken and already counted as a failure; the counters after taking it.
    Taken(T),
    /// None is left (spent, locked or blocked): the guess must not be evaluated. The counters as
    /// they are.
    Refused(T),
}

/// The limits a second-factor reservation may not pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecondFactorBudget {
    /// Failures since the last lock or pass that suspend (`LockoutPolicy::max_attempts`).
    pub max_attempts: u32,
    /// Consecutive failures that block (`LockoutPolicy::max_consecutive_failures`).
    pub ceiling: u32,
}

/// The limit a password reservation may not pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordBudget {
    /// Failures of the login name from anywhere that lock it (`password_max_attempts`).
    pub account_max: u32,
}

/// Attempt budgets as reservations: a guess takes an attempt before it is evaluated, in one
/// conditional update that cannot pass the budget, so concurrent guesses on any node are
/// evaluated at most as often as the budget allows.
#[async_trait]
pub trait Reservations: Send + Sync {
    /// Takes one of the user's second-factor attempts: counts a failure in the budget and the run,
    /// only while the second factor is not locked at `now` (a block always is), fewer than
    /// `max_attempts` failures are counted and the run is below `ceiling`. `Refused` (with the
    /// counter as it is, all zero for no such user) otherwise.
    async fn reserve_second_factor_attempt(
        &self,
        user_id: &str,
        budget: SecondFactorBudget,
        now: UnixTime,
    ) -> Result<Reservation<Counter>, StoreError>;

    /// Gives back an attempt whose guess was right but whose step did not commit: one failure
    /// less in the budget and the run (never below zero).
    async fn release_second_factor_attempt(&self, user_id: &str) -> Result<(), StoreError>;

    /// Takes one password attempt for a login name (`subject`) from `source`, in one
    /// transaction: counts a failure on the account, only while it is not locked at `now` and
    /// below `account_max` (the hard limit), and on the source, only while it does not wait at
    /// `now`. The source's wait itself is set after a failure (`delay_password_source`): it
    /// slows a source down, and a burst from one source may pass its free attempts before the
    /// first wait lands, never the account's limit. `Refused` with the throttle as it is
    /// otherwise (nothing counted).
    async fn reserve_password_attempt(
        &self,
        tenant_id: &str,
        subject: &str,
        source: Option<&str>,
        budget: PasswordBudget,
        now: UnixTime,
    ) -> Result<Reservation<PasswordThrottle>, StoreError>;

    /// Gives back a password attempt whose step did not commit: one failure less in the run of
    /// the account and of the source (never below zero).
    async fn release_password_attempt(
        &self,
        tenant_id: &str,
        subject: &str,
        source: Option<&str>,
    ) -> Result<(), StoreError>;
}
