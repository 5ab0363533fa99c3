use crate::check::CheckOutcome;
use crate::lockout::LockState;
use crate::requirement::PassedChecks;
use crate::settings::LoginSettings;
use crate::{Factor, UnixTime};

/// Why a second factor may not be tried at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The tenant does not offer the factor.
    NotEnabled,
    /// No known user, or their first factor has not passed (or no longer counts).
    FirstFactorFirst,
}

/// Second factors are tried only for a known user whose first factor has passed: otherwise
/// anyone could spend a user's second-factor budget and lock them out without their password.
pub fn second_factor_gate(
    settings: &LoginSettings,
    passed: &PassedChecks,
    user_known: bool,
    factor: Factor,
) -> Result<(), Refusal> {
    if !settings.second_factors.contains(&factor) {
        return Err(Refusal::NotEnabled);
    }
    match user_known && settings.first_factor_passed(passed) {
        true => Ok(()),
        false => Err(Refusal::FirstFactorFirst),
    }
}

/// The lock check before any work: a locked second factor answers `Locked` unevaluated.
pub fn lock_refusal(lock: LockState, now: UnixTime) -> Option<CheckOutcome> {
    lock.is_locked(now).then(|| CheckOutcome::Locked {
        until: lock.until(),
    })
}
