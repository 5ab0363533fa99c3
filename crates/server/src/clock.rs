//! The one place the wall clock is read. Flows take `now` from here once per request.

use std::time::{SystemTime, UNIX_EPOCH};

use twofold_core::UnixTime;

pub trait Clock: Send + Sync {
    fn now(&self) -> UnixTime;
    fn now_millis(&self) -> u64;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> UnixTime {
        UnixTime(i64::try_from(self.now_millis() / 1000).unwrap_or(i64::MAX))
    }

    fn now_millis(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0)
    }
}
