use crate::UnixTime;
use crate::check::CheckOutcome;
use crate::lockout::Counter;

/// A guess that found no attempt left is refused unevaluated, as locked: until the lock's end
/// when one holds, else (the budget spent by guesses still in flight) with no end told.
pub fn refused_reservation(counter: Counter, now: UnixTime) -> CheckOutcome {
    let until = match counter.lock.is_locked(now) {
        true => counter.lock.until(),
        false => None,
    };
    CheckOutcome::Locked { until }
}
