//! The one place the clocks are read. Flows take `now` from the request (`Ctx.now`), read once
//! when it arrives; clippy's `disallowed-methods` keeps every other file from reading a clock.

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

    #[allow(
        clippy::disallowed_methods,
        reason = "the wall clock's one reader; everything else gets the time from here"
    )]
    fn now_millis(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0)
    }
}

/// The monotonic clock, for how long the transport and caches wait (connection and body
/// deadlines, the hashing queue, the settings cache) — never for a rule of the domain. It is not
/// behind [`Clock`]: a test that moves or freezes the server's time must not stall a connection
/// or keep stale settings forever.
#[allow(
    clippy::disallowed_methods,
    reason = "the monotonic clock's one reader, for timeouts and cache lifetimes only"
)]
pub fn monotonic() -> tokio::time::Instant {
    tokio::time::Instant::now()
}
