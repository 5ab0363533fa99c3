use crate::UnixTime;
use crate::check::CheckOutcome;
use crate::lockout::{Counter, Lock, LockoutPolicy, UnlockPaths};

/// What a counted second-factor failure comes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Guesses are left before the next lock.
    Failed { attempts_left: u32 },
    /// The budget is spent (or the ceiling reached): this lock is to be set, and told.
    Lock(Lock),
}

impl Failure {
    /// The answer for the client.
    pub fn outcome(self) -> CheckOutcome {
        match self {
            Failure::Failed { attempts_left } => CheckOutcome::Failed { attempts_left },
            Failure::Lock(lock) => CheckOutcome::Locked {
                until: lock.state.until(),
            },
        }
    }
}

/// `counter` is the user's after this failure was counted (by the attempt it reserved).
pub fn after_failure(policy: &LockoutPolicy, counter: Counter, now: UnixTime) -> Failure {
    match policy.second_factor_lock(counter, now) {
        Some(lock) => Failure::Lock(lock),
        None => Failure::Failed {
            attempts_left: policy.attempts_left(counter),
        },
    }
}

/// [`after_failure`] under the tenant's lockout type, for a user with `paths`: the type's own
/// lock ([`LockoutPolicy::second_factor_lock_for`]) and guesses left
/// ([`LockoutPolicy::attempts_left_for`]).
pub fn after_failure_for(
    policy: &LockoutPolicy,
    counter: Counter,
    paths: UnlockPaths,
    now: UnixTime,
) -> Failure {
    match policy.second_factor_lock_for(counter, paths, now) {
        Some(lock) => Failure::Lock(lock),
        None => Failure::Failed {
            attempts_left: policy.attempts_left_for(counter),
        },
    }
}

/// A guess that found no attempt left is refused unevaluated, as locked: until the lock's end
/// when one holds, else (the budget spent by guesses still in flight) with no end told.
pub fn refused_reservation(counter: Counter, now: UnixTime) -> CheckOutcome {
    let until = match counter.lock.is_locked(now) {
        true => counter.lock.until(),
        false => None,
    };
    CheckOutcome::Locked { until }
}
