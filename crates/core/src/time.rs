//! Instants as whole seconds since the Unix epoch: the resolution every rule here needs.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnixTime(pub i64);

impl UnixTime {
    pub fn plus_seconds(self, seconds: u64) -> UnixTime {
        UnixTime(
            self.0
                .saturating_add(i64::try_from(seconds).unwrap_or(i64::MAX)),
        )
    }

    pub fn minus_seconds(self, seconds: u64) -> UnixTime {
        UnixTime(
            self.0
                .saturating_sub(i64::try_from(seconds).unwrap_or(i64::MAX)),
        )
    }

    /// Seconds from `earlier` to `self`, zero if `earlier` is in the future.
    pub fn seconds_since(self, earlier: UnixTime) -> u64 {
        u64::try_from(self.0.saturating_sub(earlier.0)).unwrap_or(0)
    }
}
