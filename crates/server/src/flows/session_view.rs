//! A session as its caller sees it: the session, its user and the MFA info computed for now.

use twofold_core::contacts::{self, MaskedContact};
use twofold_core::groups::GroupMfa;
use twofold_core::mfa_info::{self, Context, MfaInfo, UserMfa};
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
    /// The user's verified contacts, masked with their ids; none before a first factor counts.
    pub media: Vec<MaskedContact>,
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
    // The groups, the skip and the contacts in one read: every sign-in step answers with this.
    let (policy, extra) = match &subject.user {
        Some(user) => {
            let read = state.store.user_view(&user.id).await?;
            let policy = Policy {
                groups: read.groups.into_iter().map(|g| g.mfa).collect(),
                setup_skipped_until: read.setup_skipped_until,
            };
            (policy, read.contacts)
        }
        None => (Policy::default(), Vec::new()),
    };
    let info = mfa_info::evaluate_in(
        settings,
        state.capabilities(),
        None,
        user_mfa,
        &policy.context(now),
        &session.valid_checks(settings, now),
    );
    let media = match &subject.user {
        Some(user) if info.first_factor_passed => {
            contacts::masked_for(&info, &contacts::all_contacts(user, &extra))
        }
        _ => Vec::new(),
    };
    Ok(SessionView {
        media,
        challenges: Vec::new(),
        webauthn: None,
        security_questions: None,
        push: None,
        session,
        user: subject.user,
        info,
    })
}

/// What a user's policy takes beyond the tenant and the user's own flags: their groups' MFA
/// policies and, in prompt mode, their skip of setting up a second factor.
#[derive(Default)]
pub(super) struct Policy {
    pub groups: Vec<GroupMfa>,
    pub setup_skipped_until: Option<UnixTime>,
}

impl Policy {
    pub fn context(&self, now: UnixTime) -> Context<'_> {
        Context {
            groups: &self.groups,
            setup_skipped_until: self.setup_skipped_until,
            now,
        }
    }
}

pub(super) async fn policy_of(state: &Inner, user: &User) -> Result<Policy, Error> {
    Ok(Policy {
        groups: super::groups::policies_of(state, &user.id).await?,
        setup_skipped_until: state.store.mfa_setup_skipped_until(&user.id).await?,
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
