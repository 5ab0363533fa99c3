//! The one function that decides what a sign-in still needs: the MFA info.
//!
//! Inputs are the tenant settings, what this server can run, the user's MFA flags and active
//! factors, and the session's checks that still count. The answer says whether the sign-in is
//! satisfied, what may be done next, what is set up and what may be set up. A factor the server
//! cannot run (no SMS transport, no WebAuthn relying party) is never offered: it could only fail.

use serde::Serialize;

use crate::capabilities::Capabilities;
use crate::first_factor;
use crate::groups::{self, GroupMfa, GroupsPolicy};
use crate::requirement::{PassedChecks, Requirement};
use crate::settings::{LoginSettings, TenantMfaMode};
use crate::{Factor, UnixTime};

/// What the evaluation needs to know about the user.
#[derive(Debug, Clone, Copy)]
pub struct UserMfa<'a> {
    pub mfa_enabled: bool,
    pub required_factors: &'a [Factor],
    /// Factors with at least one active authenticator (pending ones never count).
    pub active_factors: &'a [Factor],
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MfaInfo {
    /// The whole sign-in holds: a first factor and, where required, the second-factor requirement.
    pub satisfied: bool,
    pub first_factor_passed: bool,
    pub mfa_required: bool,
    /// Nothing in `next` is set up: the user must set one of `next` up and may do nothing else.
    pub setup_required: bool,
    pub next: Vec<Factor>,
    pub already_setup: Vec<Factor>,
    pub allowed_to_setup: Vec<Factor>,
    /// Prompt mode: the setup that is due may be skipped (`skip-mfa-setup`) instead.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub setup_skippable: bool,
    /// Prompt mode: the user skipped setting up a second factor; they are asked again then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setup_skipped_until: Option<UnixTime>,
}

/// What the policy knows beyond the tenant, the app and the user's own flags.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The MFA policies of the user's groups.
    pub groups: &'a [GroupMfa],
    /// Prompt mode: until when the user's last skip of setting up a second factor holds.
    pub setup_skipped_until: Option<UnixTime>,
    pub now: UnixTime,
}

impl Default for Context<'_> {
    fn default() -> Self {
        Context {
            groups: &[],
            setup_skipped_until: None,
            now: UnixTime(0),
        }
    }
}

/// What an app adds to the policy of a sign-in on its behalf.
#[derive(Debug, Clone, Copy)]
pub struct AppPolicy<'a> {
    /// The app's mode (always, time-based, smart) asks for a second factor this time.
    pub requires_mfa: bool,
    pub require: Option<&'a Requirement>,
    /// Second factors the app accepts; empty means the tenant's.
    pub allowed_factors: &'a [Factor],
}

impl AppPolicy<'_> {
    fn accepts(&self, factor: Factor) -> bool {
        self.allowed_factors.is_empty() || self.allowed_factors.contains(&factor)
    }
}

pub fn evaluate(
    settings: &LoginSettings,
    server: Capabilities,
    user: Option<UserMfa<'_>>,
    passed: &PassedChecks,
) -> MfaInfo {
    evaluate_for_app(settings, server, None, user, passed)
}

/// As [`evaluate`], for a sign-in on behalf of an app whose policy adds to the tenant's.
pub fn evaluate_for_app(
    settings: &LoginSettings,
    server: Capabilities,
    app: Option<AppPolicy<'_>>,
    user: Option<UserMfa<'_>>,
    passed: &PassedChecks,
) -> MfaInfo {
    evaluate_in(settings, server, app, user, &Context::default(), passed)
}

/// As [`evaluate_for_app`], with the user's groups (the strictest of every policy holds, see
/// [`crate::groups`]) and, in prompt mode, their skip of setting up a second factor.
pub fn evaluate_in(
    settings: &LoginSettings,
    server: Capabilities,
    app: Option<AppPolicy<'_>>,
    user: Option<UserMfa<'_>>,
    context: &Context<'_>,
    passed: &PassedChecks,
) -> MfaInfo {
    let groups = groups::combine(context.groups);
    let accepted = |f: &Factor| app.is_none_or(|app| app.accepts(*f));
    let first_factors: Vec<Factor> = settings
        .first_factors
        .iter()
        .copied()
        .filter(|f| server.runs(*f))
        .collect();
    let Some(user) = user else {
        return MfaInfo {
            satisfied: false,
            first_factor_passed: false,
            mfa_required: false,
            setup_required: false,
            next: first_factors,
            already_setup: Vec::new(),
            allowed_to_setup: Vec::new(),
            setup_skippable: false,
            setup_skipped_until: None,
        };
    };
    // What the person has set up, whether or not this server can run it right now: it decides
    // what is asked of them. Only what can run is shown and offered.
    let enrolled: Vec<Factor> = settings
        .second_factors
        .iter()
        .copied()
        .filter(|f| user.active_factors.contains(f))
        .filter(accepted)
        .collect();
    let already_setup: Vec<Factor> = enrolled
        .iter()
        .copied()
        .filter(|f| server.runs(*f))
        .collect();
    let allowed_to_setup: Vec<Factor> = settings
        .second_factors
        .iter()
        .copied()
        .filter(|f| server.runs(*f))
        .filter(accepted)
        .filter(|f| f.allows_several() || *f == Factor::BackupCode || !already_setup.contains(f))
        .collect();
    let first_factor_passed = settings.first_factor_passed(passed);
    let opened_by_totp = first_factor::opened_by_totp_alone(settings, passed);
    let passed = &first_factor::for_second_factors(settings, passed);
    let mfa_required =
        mfa_required(settings, &user) || app.is_some_and(|app| app.requires_mfa) || groups.required;
    // A passkey is multi-factor on its own: it satisfies "a second factor" — but not an explicit
    // requirement that names other factors, nor an app that does not accept passkeys.
    let explicit = settings.mfa.require.is_some()
        || app.is_some_and(|a| a.require.is_some())
        || !user.required_factors.is_empty()
        || !groups.require.is_empty();
    let passkey_passed =
        passed.contains_key(&Factor::Passkey) && accepted(&Factor::Passkey) && !explicit;

    let mut info = MfaInfo {
        satisfied: false,
        first_factor_passed,
        mfa_required,
        setup_required: false,
        next: Vec::new(),
        already_setup,
        allowed_to_setup,
        setup_skippable: false,
        setup_skipped_until: None,
    };
    if !first_factor_passed {
        // Nothing about the user's factors is told before the first factor: the answer is the
        // same for every user, known or not.
        info.next = first_factors;
        info.mfa_required = false;
        info.already_setup.clear();
        info.allowed_to_setup.clear();
        return info;
    }
    if passkey_passed {
        info.satisfied = true;
        return info;
    }
    if !mfa_required {
        prompt::prompt(settings, &enrolled, context, &mut info);
        return info;
    }
    let requirement = requirement_for(
        settings,
        app.and_then(|a| a.require),
        &user,
        &groups,
        &enrolled,
        &info.allowed_to_setup,
    );
    match requirement {
        Some(requirement) if satisfied_with_recovery(&requirement, passed) => info.satisfied = true,
        Some(requirement) => {
            let due = requirement.next(passed);
            // Setup is due only when the person has nothing due set up — judged on what they
            // enrolled, not on what runs here: a phone whose SMS transport was removed must not
            // turn a password into the right to enrol a new factor. They stay asked for it
            // (a backup code stands in) until the operator restores the transport or an admin
            // helps.
            info.setup_required = !due.iter().any(|f| enrolled.contains(f));
            // Undeliverable here: not offered. With nothing left, nothing can satisfy the
            // requirement on this server.
            info.next = due.into_iter().filter(|f| server.runs(*f)).collect();
        }
        // MFA is required but nothing can satisfy it: the tenant allows no usable second factor.
        None => info.setup_required = true,
    }
    if opened_by_totp && !info.satisfied {
        // TOTP opened the sign-in and cannot be its second factor too: the other first factors
        // come first (a password after the code is two factors), and TOTP is not asked again.
        let mut next: Vec<Factor> = first_factors
            .iter()
            .copied()
            .filter(|f| *f != Factor::Totp)
            .collect();
        next.extend(info.next.iter().copied().filter(|f| *f != Factor::Totp));
        info.next = next;
        info.setup_required = false;
    }
    info
}

/// Whether MFA applies to this user at all: asked of them, or chosen by them.
pub fn mfa_required(settings: &LoginSettings, user: &UserMfa<'_>) -> bool {
    mfa_forced(settings, user) || opted_in(settings, user)
}

/// Whether MFA is asked of the user by someone else: the tenant's mode, an administrator's
/// `mfa_enabled` or required factors. Only then must a second factor stay set up.
pub fn mfa_forced(settings: &LoginSettings, user: &UserMfa<'_>) -> bool {
    settings.mfa.mode == TenantMfaMode::Always
        || user.mfa_enabled
        || !user.required_factors.is_empty()
}

/// Whether the person opted in by setting up a second factor the tenant allows. Backup codes are
/// a fallback for a lost factor, not an opt-in. A factor the server cannot deliver right now
/// still counts: the person's choice stands, and only what is offered changes.
pub fn opted_in(settings: &LoginSettings, user: &UserMfa<'_>) -> bool {
    settings.mfa.enrolled_factors_required
        && user.active_factors.iter().any(|f| {
            *f != Factor::BackupCode && f.is_second_factor() && settings.second_factors.contains(f)
        })
}

/// The second-factor requirement: every expression the tenant, the app, the user's groups and the
/// user's required factors (any one) state, all together, identical ones once; else any one
/// active second factor; else any one that can be set up.
fn requirement_for(
    settings: &LoginSettings,
    app_requirement: Option<&Requirement>,
    user: &UserMfa<'_>,
    groups: &GroupsPolicy,
    already_setup: &[Factor],
    allowed_to_setup: &[Factor],
) -> Option<Requirement> {
    let one_of = |factors: Vec<Factor>| -> Option<Requirement> {
        (!factors.is_empty())
            .then(|| Requirement::OneOf(factors.into_iter().map(Requirement::Factor).collect()))
    };
    let stated: Vec<Requirement> = [
        settings.mfa.require.clone(),
        app_requirement.cloned(),
        one_of(user.required_factors.to_vec()),
    ]
    .into_iter()
    .flatten()
    .chain(groups.require.iter().cloned())
    .collect();
    let mut parts: Vec<Requirement> = groups::all_of(stated).into_iter().collect();
    match parts.len() {
        0 if !already_setup.is_empty() => one_of(already_setup.to_vec()),
        // Backup codes recover access to a second factor; they are not one to start with.
        0 => one_of(
            allowed_to_setup
                .iter()
                .copied()
                .filter(|f| *f != Factor::BackupCode)
                .collect(),
        ),
        _ => parts.pop(),
    }
}

/// A passed backup code stands in for any one factor the requirement names: recovery when a
/// device is lost, never a way to skip more than one factor.
fn satisfied_with_recovery(requirement: &Requirement, passed: &PassedChecks) -> bool {
    if requirement.is_satisfied(passed) {
        return true;
    }
    let Some(recovered_at) = passed.get(&Factor::BackupCode) else {
        return false;
    };
    requirement
        .factors()
        .into_iter()
        .filter(|f| *f != Factor::BackupCode)
        .any(|stand_in| {
            let mut with_stand_in = passed.clone();
            with_stand_in.entry(stand_in).or_insert(*recovered_at);
            requirement.is_satisfied(&with_stand_in)
        })
}

/// Whether the user of a session described by `info` may enrol `factor` with the session alone
/// (the admin token may always). Once satisfied, anything allowed; before, only while setup is
/// required, and only a factor that is next — so no factor can be used to dodge the one due.
pub fn may_set_up_in_session(info: &MfaInfo, factor: Factor) -> bool {
    if !info.allowed_to_setup.contains(&factor) {
        return false;
    }
    info.satisfied
        || (info.first_factor_passed && info.setup_required && info.next.contains(&factor))
}

/// As [`may_remove`], for a member of groups: a group that asks for MFA forces it as the tenant's
/// mode would.
pub fn may_remove_in(
    settings: &LoginSettings,
    user: &UserMfa<'_>,
    groups: &[GroupMfa],
    remaining: &[Factor],
) -> bool {
    if groups::combine(groups).required && !mfa_forced(settings, user) {
        let forced = UserMfa {
            mfa_enabled: true,
            ..*user
        };
        return may_remove(settings, &forced, remaining);
    }
    may_remove(settings, user, remaining)
}

/// Whether removing an authenticator leaving `remaining` active factors keeps the user able to
/// meet their MFA requirement. Backup codes alone do not count as a second factor. A person who
/// only opted in may remove their last factor (in a session that passed it): that is opting out.
pub fn may_remove(settings: &LoginSettings, user: &UserMfa<'_>, remaining: &[Factor]) -> bool {
    if !mfa_forced(settings, user) {
        return true;
    }
    remaining
        .iter()
        .any(|f| *f != Factor::BackupCode && settings.second_factors.contains(f))
}

mod prompt;
pub use prompt::skip_until;

#[cfg(test)]
mod app_tests;
#[cfg(test)]
mod group_tests;
#[cfg(test)]
mod tests;
