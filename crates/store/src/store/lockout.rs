use crate::StoreError;
use async_trait::async_trait;
use twofold_core::lockout::{Counter, LockState};

use super::Reservation;

/// The second-factor failure counters on the user: each move one conditional update, so
/// concurrent failures on any node all count.
#[async_trait]
pub trait SecondFactorLockout: Send + Sync {
    /// Counts one failed second-factor check, in the budget and in the run; returns the counter
    /// after it (all zero for no such user).
    async fn record_second_factor_failure(&self, user_id: &str) -> Result<Counter, StoreError>;

    /// Locks the second factor and starts a fresh budget (and a fresh unlock budget), counting
    /// the lock — only while the
    /// budget is spent (`max_attempts` failures, or the run at `ceiling`), so of two failures
    /// racing into the same budget exactly one locks. True when this call locked.
    async fn lock_second_factor(
        &self,
        user_id: &str,
        lock: LockState,
        max_attempts: u32,
        ceiling: u32,
    ) -> Result<bool, StoreError>;

    /// Takes one attempt at lifting the second factor's lock (a backup code while locked): counts
    /// it, only while fewer than `max` are counted since the lock was set. `Taken` with the
    /// unlock failures after taking it, `Refused` with them as they are (zero for no such user).
    async fn reserve_unlock_attempt(
        &self,
        user_id: &str,
        max: u32,
    ) -> Result<Reservation<u32>, StoreError>;

    /// Gives back an unlock attempt whose step did not commit (never below zero).
    async fn release_unlock_attempt(&self, user_id: &str) -> Result<(), StoreError>;

    /// A passed second factor ends the run: failures, run, escalation and unlock failures back
    /// to zero.
    async fn clear_second_factor_failures(&self, user_id: &str) -> Result<(), StoreError>;

    /// Clears the second-factor counters, lock and unlock failures and every password throttle of the user; true
    /// when the user exists.
    async fn unlock(&self, user_id: &str) -> Result<bool, StoreError>;
}
