use crate::StoreError;
use async_trait::async_trait;
use twofold_core::UnixTime;
use twofold_core::quota::{Scope, WindowCount};

/// Rolling-window counters for quotas and rate limits.
#[async_trait]
pub trait Hits: Send + Sync {
    /// Counts one hit (a code sent, a password failed) under each key; returns row ids so a
    /// refused send can be forgotten.
    async fn record_hits(
        &self,
        tenant_id: &str,
        keys: &[(Scope, String)],
        at: UnixTime,
    ) -> Result<Vec<i64>, StoreError>;

    async fn forget_hits(&self, ids: &[i64]) -> Result<(), StoreError>;

    /// Hits under a key after `since`, and the oldest of them.
    async fn count_hits(
        &self,
        tenant_id: &str,
        scope: Scope,
        key: &str,
        since: UnixTime,
    ) -> Result<WindowCount, StoreError>;
}
