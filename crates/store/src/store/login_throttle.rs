use crate::StoreError;
use async_trait::async_trait;
use twofold_core::UnixTime;
use twofold_core::lockout::{LockState, PasswordThrottle};

/// Failed passwords per login name and client address, with the account-wide ceiling.
#[async_trait]
pub trait PasswordThrottles: Send + Sync {
    /// Failed passwords for a login name (`subject`: a user id or a stand-in id) from `source`
    /// (a client address) and from anywhere.
    async fn password_throttle(
        &self,
        tenant_id: &str,
        subject: &str,
        source: Option<&str>,
    ) -> Result<PasswordThrottle, StoreError>;

    /// Counts one failed password from `source` and account-wide, atomically; both after it.
    async fn record_password_failure(
        &self,
        tenant_id: &str,
        subject: &str,
        source: Option<&str>,
        now: UnixTime,
    ) -> Result<PasswordThrottle, StoreError>;

    /// Forgets the tenant's password throttles (sources and accounts) whose last failure came
    /// before `last_failure_before` and that hold no lock at `now` (a block always holds); how
    /// many were forgotten.
    async fn forget_stale_password_failures(
        &self,
        tenant_id: &str,
        last_failure_before: UnixTime,
        now: UnixTime,
    ) -> Result<u64, StoreError>;

    /// Makes `source` wait until `until` (a later wait already set stands).
    async fn delay_password_source(
        &self,
        tenant_id: &str,
        subject: &str,
        source: &str,
        until: UnixTime,
    ) -> Result<(), StoreError>;

    /// Locks the login name for everyone and starts a fresh count, counting the lock — only while
    /// its failures are at `ceiling`, so of racing failures one locks. True when this call locked.
    async fn lock_password_account(
        &self,
        tenant_id: &str,
        subject: &str,
        lock: LockState,
        ceiling: u32,
    ) -> Result<bool, StoreError>;

    /// A right password ends the run of its source and the account's.
    async fn clear_password_failures(
        &self,
        tenant_id: &str,
        subject: &str,
        source: Option<&str>,
    ) -> Result<(), StoreError>;
}
