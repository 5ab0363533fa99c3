//! First factors beyond the password: which checks may open a sign-in, what a check that opened
//! it may not also count as, and the list of sign-in methods a login screen asks for.
//!
//! TOTP may be a first factor (cidaas' passwordless TOTP, seed 002) where the tenant or the app
//! lists `totp` in `first_factors`. It is off by default: a code alone is one factor (something
//! the person has), and anyone who knows a login name may guess at it. A TOTP check that opens a
//! sign-in is therefore throttled like a password (per source, per account and per address:
//! [`Budget::Password`]), not charged to the user's second-factor budget, which only someone
//! past the first factor may spend; and it never counts as the second factor of the same sign-in.

use serde::Serialize;

use crate::Factor;
use crate::app::AppMfa;
use crate::capabilities::Capabilities;
use crate::requirement::PassedChecks;
use crate::settings::LoginSettings;

/// The login settings for a sign-in on behalf of an app: its own `first_factors` replace the
/// tenant's where it names any. The one rule for both ends: the step of a session started for
/// the app checks against it, and the app's precheck counts by it.
pub fn settings_for_app(settings: &LoginSettings, app: Option<&AppMfa>) -> LoginSettings {
    let mut effective = settings.clone();
    if let Some(app) = app.filter(|a| !a.first_factors.is_empty()) {
        effective.first_factors = app.first_factors.clone();
    }
    effective
}

/// Whether a check of `factor` may be made while no first factor counts yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstFactorGate {
    Allowed,
    /// The factor could open a sign-in, but this tenant or app does not let it.
    NotEnabled,
    /// Only after a first factor (a second factor, or an unknown kind).
    NotAFirstFactor,
}

pub fn first_factor_gate(settings: &LoginSettings, factor: Factor) -> FirstFactorGate {
    if !factor.is_first_factor() {
        FirstFactorGate::NotAFirstFactor
    } else if settings.first_factors.contains(&factor) {
        FirstFactorGate::Allowed
    } else {
        FirstFactorGate::NotEnabled
    }
}

/// Whose budget a failed check spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// The password throttle: per source, per account and per address.
    Password,
    /// The user's second-factor budget, shared by every second factor.
    SecondFactor,
}

/// The budget of a failed check of `factor`, made while a first factor `first_passed` or not.
pub fn budget_of(factor: Factor, first_passed: bool) -> Budget {
    if factor == Factor::Password || !first_passed {
        Budget::Password
    } else {
        Budget::SecondFactor
    }
}

/// Whether TOTP alone opened the sign-in: it is a first factor here and no other one passed.
pub fn opened_by_totp_alone(settings: &LoginSettings, passed: &PassedChecks) -> bool {
    settings.first_factors.contains(&Factor::Totp)
        && passed.contains_key(&Factor::Totp)
        && !settings
            .first_factors
            .iter()
            .any(|f| *f != Factor::Totp && passed.contains_key(f))
}

/// The checks that may count towards the second-factor requirement: a TOTP check that opened
/// the sign-in on its own is its first factor, not also its second (a person asked for more
/// gives a password, or a passkey, as well).
pub fn for_second_factors(settings: &LoginSettings, passed: &PassedChecks) -> PassedChecks {
    let mut counting = passed.clone();
    if opened_by_totp_alone(settings, passed) {
        counting.remove(&Factor::Totp);
    }
    counting
}

/// The sign-in methods a login screen may offer for a name (seed 002's "configured
/// authentication methods").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignInMethods {
    pub first_factors: Vec<Factor>,
}

/// The methods for any name, known or not: the first factors this tenant or app allows and this
/// server runs. cidaas lists what the named user configured, which tells anyone who knows a login
/// name what the account has; here the answer is the same for every name (as the MFA info is
/// before a first factor), so it needs no lookup and reveals nothing. A method the user lacks
/// fails like a wrong code and is throttled like one.
pub fn sign_in_methods(settings: &LoginSettings, server: Capabilities) -> SignInMethods {
    SignInMethods {
        first_factors: settings
            .first_factors
            .iter()
            .copied()
            .filter(|f| server.runs(*f))
            .collect(),
    }
}

#[cfg(test)]
mod tests;
