//! A session as its caller sees it: the session, its user and the MFA info computed for now.

use twofold_core::mfa_info::{self, MfaInfo, UserMfa};
use twofold_core::session::Session;
use twofold_core::settings::LoginSettings;
use twofold_core::user::User;
use twofold_core::{Factor, UnixTime};

use super::factors::codes::Issued;
use super::factors::push::sign_in::PushIssued;
use super::factors::security_questions::AskedQuestions;
use super::factors::webauthn::sign_in::WebauthnIssued;
use super::subject::{Subject, subject_of};
use crate::error::Error;
use crate::state::Inner;

/// A session as its caller sees it.
pub struct SessionView {
    pub session: Session,
    pub user: Option<User>,
    pub info: MfaInfo,
    /// Challenges this request started.
    pub challenges: Vec<Issued>,
    pub webauthn: Option<WebauthnIssued>,
    pub security_questions: Option<AskedQuestions>,
    pub push: Option<PushIssued>,
}

/// The current state of a session the caller may see.
pub async fn view(state: &Inner, session: Session, now: UnixTime) -> Result<SessionView, Error> {
    let settings = state.settings(&session.tenant_id).await?;
    let subject = subject_of(state, &session).await?;
    view_of(state, &settings, session, subject, now).await
}

pub(super) async fn view_of(
    state: &Inner,
    settings: &LoginSettings,
    session: Session,
    mut subject: Subject,
    now: UnixTime,
) -> Result<SessionView, Error> {
    let active = active_factors(state, &mut subject).await?;
    let user_mfa = subject.user.as_ref().map(|user| UserMfa {
        mfa_enabled: user.mfa_enabled,
        required_factors: &user.required_factors,
        active_factors: &active,
    });
    // A stand-in user is evaluated like a user with nothing set up.
    let nobody = UserMfa {
        mfa_enabled: false,
        required_factors: &[],
        active_factors: &[],
    };
    let user_mfa = user_mfa.or(session.user_id.as_ref().map(|_| nobody));
    let info = mfa_info::evaluate(
        settings,
        state.capabilities(),
        user_mfa,
        &session.valid_checks(settings, now),
    );
    Ok(SessionView {
        challenges: Vec::new(),
        webauthn: None,
        security_questions: None,
        push: None,
        session,
        user: subject.user,
        info,
    })
}

/// The user's factors with an active authenticator.
pub(super) async fn active_factors_of(state: &Inner, user: &User) -> Result<Vec<Factor>, Error> {
    let mut subject = Subject {
        user: Some(user.clone()),
        authenticators: None,
    };
    active_factors(state, &mut subject).await
}

/// Factors with an active authenticator; a backup-code set counts while a code is left.
async fn active_factors(state: &Inner, subject: &mut Subject) -> Result<Vec<Factor>, Error> {
    let user_id = subject.user.as_ref().map(|u| u.id.clone());
    let mut factors: Vec<Factor> = subject
        .authenticators(state)
        .await?
        .iter()
        .filter(|a| a.is_usable())
        .map(|a| a.factor)
        .collect();
    factors.sort();
    factors.dedup();
    if let (Some(user_id), true) = (user_id, factors.contains(&Factor::BackupCode))
        && state.store.unused_backup_codes(&user_id).await? == 0
    {
        factors.retain(|f| *f != Factor::BackupCode);
    }
    Ok(factors)
}
