//! The user a sign-in step is about, and the gate every second factor passes through.

use twofold_core::Factor;
use twofold_core::UnixTime;
use twofold_core::authenticator::Authenticator;
use twofold_core::session::Session;
use twofold_core::settings::LoginSettings;
use twofold_core::step::{self, Refusal};
use twofold_core::user::User;

use crate::error::Error;
use crate::state::Inner;

/// The user a session is about, with their authenticators once needed.
pub(in crate::flows) struct Subject {
    pub(in crate::flows) user: Option<User>,
    pub(in crate::flows) authenticators: Option<Vec<Authenticator>>,
}

impl Subject {
    pub(in crate::flows) async fn authenticators(
        &mut self,
        state: &Inner,
    ) -> Result<&[Authenticator], Error> {
        if self.authenticators.is_none() {
            let found = match &self.user {
                Some(user) => state.store.authenticators_of(&user.id).await?,
                None => Vec::new(),
            };
            self.authenticators = Some(found);
        }
        Ok(self.authenticators.as_deref().unwrap_or_default())
    }
}

pub(in crate::flows) async fn subject_of(
    state: &Inner,
    session: &Session,
) -> Result<Subject, Error> {
    let user = match &session.user_id {
        Some(id) => state.store.user(&session.tenant_id, id).await?,
        None => None,
    };
    Ok(Subject {
        user,
        authenticators: None,
    })
}

/// The domain's gate ([`step::second_factor_gate`]), answered as the API tells it.
pub(in crate::flows) fn second_factor_gate<'a>(
    settings: &LoginSettings,
    session: &Session,
    subject: &'a Subject,
    factor: Factor,
    now: UnixTime,
) -> Result<&'a User, Error> {
    let passed = session.valid_checks(settings, now);
    let gate = step::second_factor_gate(settings, &passed, subject.user.is_some(), factor);
    match (gate, &subject.user) {
        (Ok(()), Some(user)) => Ok(user),
        (Err(Refusal::NotEnabled), _) => Err(Error::Forbidden(format!(
            "`{factor}` is not enabled for this tenant"
        ))),
        (Err(Refusal::FirstFactorFirst), _) | (Ok(()), None) => Err(Error::InvalidRequest(
            "a first factor (password) must pass before a second factor".to_owned(),
        )),
    }
}
