//! The server's clock in tests: the wall clock plus an offset the test moves, or frozen.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use twofold_core::UnixTime;
use twofold_server::clock::{Clock, SystemClock};

/// The wall clock plus an offset the test can move forward — or, once frozen, a fixed instant
/// plus that offset, so the server's `now` moves only when the test advances it.
#[derive(Default)]
pub struct ShiftedClock {
    offset_seconds: AtomicI64,
    /// Unix milliseconds the clock stands at; 0 while it follows the wall clock.
    frozen_at_millis: AtomicU64,
    /// How many times the server has read this clock.
    reads: AtomicU64,
}

impl ShiftedClock {
    pub fn advance(&self, seconds: i64) {
        self.offset_seconds.fetch_add(seconds, Ordering::SeqCst);
    }

    /// From here on the clock stands at the current whole second, plus what it is advanced by.
    pub fn freeze(&self) {
        let second = SystemClock.now_millis() / 1000 * 1000;
        self.frozen_at_millis.store(second, Ordering::SeqCst);
    }

    /// How many times the server has read the clock so far.
    pub fn reads(&self) -> u64 {
        self.reads.load(Ordering::SeqCst)
    }

    fn base_millis(&self) -> u64 {
        match self.frozen_at_millis.load(Ordering::SeqCst) {
            0 => SystemClock.now_millis(),
            frozen => frozen,
        }
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> UnixTime {
        UnixTime(i64::try_from(self.now_millis() / 1000).unwrap())
    }

    fn now_millis(&self) -> u64 {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.base_millis()
            .saturating_add_signed(self.offset_seconds.load(Ordering::SeqCst) * 1000)
    }
}
