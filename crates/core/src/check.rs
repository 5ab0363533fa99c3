//! The outcome of one check. A wrong code is an outcome, not an error.

use crate::{Factor, UnixTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckOutcome {
    Passed {
        factor: Factor,
        at: UnixTime,
    },
    /// Wrong proof; the failure was counted.
    Failed {
        attempts_left: u32,
    },
    /// A right code used before; counted like a wrong one.
    Replayed {
        attempts_left: u32,
    },
    /// The code's challenge is gone: expired, out of tries, or never sent. Only a new one helps.
    Expired,
    /// Refused without looking at the proof. `until: None` means until an admin unlocks.
    Locked {
        until: Option<UnixTime>,
    },
}
