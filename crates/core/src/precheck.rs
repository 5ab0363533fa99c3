//! The MFA precheck: whether a session may have an authorization code for an auth request.
//!
//! Everything is evaluated again at the moment of asking: the tenant's, the app's and the user's
//! requirements, the app's mode (with the risk of this sign-in), the requested `acr_values`,
//! `max_age`, `prompt=login` and every check's lifetime. What a session satisfied for another
//! app, or an hour ago, counts for nothing here unless it still holds.

use crate::UnixTime;
use crate::acr::{self, ACR_MFA, ACR_PASSWORD, AcrLevel};
use crate::app::App;
use crate::authorize::{AuthRequest, Prompt};
use crate::capabilities::Capabilities;
use crate::device;
use crate::first_factor;
use crate::lockout::LockState;
use crate::mfa_info::{AppPolicy, Context, MfaInfo, UserMfa, evaluate_in};
use crate::requirement::{PassedChecks, Requirement};
use crate::risk::{self, RiskScore, Signals};
use crate::session::Session;
use crate::settings::LoginSettings;

pub struct Precheck<'a> {
    pub settings: &'a LoginSettings,
    /// What this server can run: nothing else is offered.
    pub server: Capabilities,
    pub app: &'a App,
    pub request: &'a AuthRequest,
    pub session: &'a Session,
    pub user: UserMfa<'a>,
    /// The user's lock now, on either budget (`User::lock_at`).
    pub lock: Option<LockState>,
    pub signals: Signals,
    pub now: UnixTime,
}

/// What a token may say about how the user authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authentication {
    pub auth_time: UnixTime,
    /// RFC 8176 values of the checks that counted.
    pub amr: Vec<String>,
    pub acr: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The requirement holds: a code may be issued.
    Ready(Authentication),
    /// No first factor counts for this request: none yet, older than `max_age`, or from before
    /// a `prompt=login` request.
    LoginRequired,
    /// More factors are needed (`next`), or one must be set up first (`setup_required`).
    MfaRequired(MfaInfo),
    /// No requested acr level can be reached by this user (RFC 9470
    /// `insufficient_user_authentication`).
    Unsatisfiable(String),
    /// The user is locked out. Told only once a first factor counts, so it reveals nothing to
    /// someone who only knows the name.
    Locked(LockState),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub decision: Decision,
    pub risk: RiskScore,
    /// Whether the app's mode asked for a second factor this time.
    pub app_requires_mfa: bool,
}

pub fn decide(p: &Precheck<'_>) -> Outcome {
    decide_in(
        p,
        &Context {
            now: p.now,
            ..Context::default()
        },
    )
}

/// As [`decide`], for a member of groups and with a prompt-mode skip (see [`Context`]).
pub fn decide_in(p: &Precheck<'_>, context: &Context<'_>) -> Outcome {
    // The app's own first factors, where it names any, replace the tenant's.
    let effective = first_factor::settings_for_app(p.settings, Some(&p.app.mfa));
    let p = &Precheck {
        settings: &effective,
        ..*p
    };
    let passed = counting_checks(p);
    let signals = effective_signals(p, &passed);
    let risk = risk::score(&signals, p.now);
    let app_requires_mfa =
        risk::app_requires_mfa(&p.app.mfa, &risk, signals.last_second_factor_at, p.now);
    let decision = if !p.settings.first_factor_passed(&passed) {
        Decision::LoginRequired
    } else if let Some(lock) = p.lock {
        Decision::Locked(lock)
    } else {
        decide_level(p, context, &passed, app_requires_mfa)
    };
    Outcome {
        decision,
        risk,
        app_requires_mfa,
    }
}

/// The signals as this app may read them: a trusted device means nothing where trust is off for
/// the app, and a second factor passed in this very session is the latest one.
fn effective_signals(p: &Precheck<'_>, passed: &PassedChecks) -> Signals {
    let in_session = latest_second_factor(&first_factor::for_second_factors(p.settings, passed));
    Signals {
        known_device: p.signals.known_device
            && device::trust_lifetime(&p.settings.oidc, &p.app.mfa).is_some(),
        last_second_factor_at: p.signals.last_second_factor_at.max(in_session),
        ..p.signals
    }
}

/// The latest second factor among the checks that count, for the device's memory.
pub fn latest_second_factor(passed: &PassedChecks) -> Option<UnixTime> {
    passed
        .iter()
        .filter(|(f, _)| f.is_second_factor())
        .map(|(_, at)| *at)
        .max()
}

/// Seconds a check may be older than `max_age` and still count. Checks are timed in whole
/// seconds, and the step from passing a check to asking for the code takes a moment; without
/// this, `max_age=0` would refuse a password typed just now whenever a second boundary fell in
/// between. Relying parties check `auth_time` with a clock leeway of their own.
pub const MAX_AGE_LEEWAY_SECONDS: u64 = 5;

/// The session's checks that count for this request.
fn counting_checks(p: &Precheck<'_>) -> PassedChecks {
    let mut passed = p.session.valid_checks(p.settings, p.now);
    let not_before = [
        p.request.request.max_age.map(|max_age| {
            p.now
                .minus_seconds(max_age.saturating_add(MAX_AGE_LEEWAY_SECONDS))
        }),
        (p.request.request.prompt == Some(Prompt::Login)).then_some(p.request.created_at),
    ]
    .into_iter()
    .flatten()
    .max();
    if let Some(not_before) = not_before {
        passed.retain(|_, at| *at >= not_before);
    }
    passed
}

fn decide_level(
    p: &Precheck<'_>,
    context: &Context<'_>,
    passed: &PassedChecks,
    app_requires_mfa: bool,
) -> Decision {
    let levels = &p.settings.oidc.acr_levels;
    let asked = &p.request.request.acr_values;
    let requested: Vec<&AcrLevel> = asked
        .iter()
        .filter_map(|value| levels.iter().find(|level| &level.value == value))
        .collect();
    if requested.is_empty() {
        if !asked.is_empty() {
            return Decision::Unsatisfiable("none of the requested acr values is offered".into());
        }
        let info = evaluate(p, context, passed, app_requires_mfa, None);
        if !info.satisfied {
            return Decision::MfaRequired(info);
        }
        let acr = strongest_level(p, context, passed, app_requires_mfa);
        return Decision::Ready(authentication(p.settings, p.session, passed, acr));
    }
    // The first level this user can reach decides; a weaker one later in the list is never
    // taken instead just because it already holds.
    for level in requested {
        let info = evaluate(p, context, passed, app_requires_mfa, Some(level));
        if info.satisfied {
            return Decision::Ready(authentication(
                p.settings,
                p.session,
                passed,
                level.value.clone(),
            ));
        }
        if reachable(&info) {
            return Decision::MfaRequired(info);
        }
    }
    Decision::Unsatisfiable("no requested acr level can be reached with this user's factors".into())
}

fn evaluate(
    p: &Precheck<'_>,
    context: &Context<'_>,
    passed: &PassedChecks,
    app_requires_mfa: bool,
    level: Option<&AcrLevel>,
) -> MfaInfo {
    let require = match (
        p.app.mfa.require.clone(),
        level.and_then(|l| l.require.clone()),
    ) {
        (Some(app), Some(level)) => Some(Requirement::AllOfInAnyOrder(vec![app, level])),
        (app, level) => app.or(level),
    };
    let policy = AppPolicy {
        requires_mfa: app_requires_mfa || level.is_some_and(|l| l.mfa),
        require: require.as_ref(),
        allowed_factors: &p.app.mfa.allowed_factors,
    };
    let passed = match level {
        Some(level) => acr::counting_for_level(level, passed),
        None => passed.clone(),
    };
    evaluate_in(
        p.settings,
        p.server,
        Some(policy),
        Some(p.user),
        context,
        &passed,
    )
}

/// Whether some factor the evaluation asks for is set up or may be set up.
fn reachable(info: &MfaInfo) -> bool {
    info.next
        .iter()
        .any(|f| info.already_setup.contains(f) || info.allowed_to_setup.contains(f))
}

/// The strongest configured level the sign-in satisfies (levels are listed weakest first).
fn strongest_level(
    p: &Precheck<'_>,
    context: &Context<'_>,
    passed: &PassedChecks,
    app_requires_mfa: bool,
) -> String {
    let levels = &p.settings.oidc.acr_levels;
    if let Some(level) = levels
        .iter()
        .rev()
        .find(|level| evaluate(p, context, passed, app_requires_mfa, Some(level)).satisfied)
    {
        return level.value.clone();
    }
    if is_multi_factor(passed) {
        ACR_MFA.to_owned()
    } else {
        ACR_PASSWORD.to_owned()
    }
}

/// Two kinds of proof: a multi-factor check, or two checks of which one is a strong second
/// factor (a password and security questions are knowledge twice).
fn is_multi_factor(passed: &PassedChecks) -> bool {
    passed.keys().any(|f| f.is_multi_factor())
        || (passed.len() >= 2 && acr::has_strong_second_factor(passed))
}

fn authentication(
    settings: &LoginSettings,
    session: &Session,
    passed: &PassedChecks,
    acr: String,
) -> Authentication {
    let auth_time = settings
        .first_factors
        .iter()
        .filter_map(|f| passed.get(f))
        .max()
        .copied()
        .unwrap_or(UnixTime(0));
    let mut amr = session.amr_of(passed);
    if is_multi_factor(passed) {
        amr.push("mfa".to_owned());
    }
    Authentication {
        auth_time,
        amr,
        acr,
    }
}

#[cfg(test)]
mod tests;
