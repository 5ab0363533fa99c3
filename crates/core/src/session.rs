//! A sign-in in progress or done: whose it is and which checks passed when.

use std::collections::BTreeMap;

use crate::requirement::PassedChecks;
use crate::risk::RiskScore;
use crate::settings::LoginSettings;
use crate::{DomainError, Factor, UnixTime};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: String,
    pub tenant_id: String,
    pub user_id: Option<String>,
    pub user_checked_at: Option<UnixTime>,
    /// When each factor last passed in this session.
    pub checks: BTreeMap<Factor, UnixTime>,
    pub client_id: Option<String>,
    /// The risk of the sign-in as last scored for an app in SMART mode (or any app), with reasons.
    pub risk: Option<RiskScore>,
    pub created_at: UnixTime,
    pub updated_at: UnixTime,
    pub expires_at: UnixTime,
}

impl Session {
    pub fn new(id: String, tenant_id: String, now: UnixTime, settings: &LoginSettings) -> Session {
        Session {
            id,
            tenant_id,
            user_id: None,
            user_checked_at: None,
            checks: BTreeMap::new(),
            client_id: None,
            risk: None,
            created_at: now,
            updated_at: now,
            expires_at: now.plus_seconds(settings.session_lifetime),
        }
    }

    /// A session belongs to one user for life: naming another one is refused, not a switch.
    pub fn identify(&mut self, user_id: &str, now: UnixTime) -> Result<(), DomainError> {
        match &self.user_id {
            Some(current) if current != user_id => Err(DomainError::invalid(
                "this session belongs to another user; start a new session",
            )),
            _ => {
                self.user_id = Some(user_id.to_owned());
                self.user_checked_at = Some(now);
                Ok(())
            }
        }
    }

    pub fn record_pass(&mut self, factor: Factor, at: UnixTime) {
        self.checks.insert(factor, at);
    }

    pub fn touch(&mut self, now: UnixTime, settings: &LoginSettings) {
        self.updated_at = now;
        self.expires_at = now.plus_seconds(settings.session_lifetime);
    }

    pub fn is_expired(&self, now: UnixTime) -> bool {
        now >= self.expires_at
    }

    /// The checks that still count: each within its factor's lifetime.
    pub fn valid_checks(&self, settings: &LoginSettings, now: UnixTime) -> PassedChecks {
        self.checks
            .iter()
            .filter(|(factor, at)| now.seconds_since(**at) < settings.lifetime_of(**factor))
            .map(|(factor, at)| (*factor, *at))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_stop_counting_after_their_lifetime() {
        let settings = LoginSettings {
            second_factor_check_lifetime: 60,
            ..LoginSettings::default()
        };
        let mut session = Session::new("s".into(), "t".into(), UnixTime(0), &settings);
        session.record_pass(Factor::Password, UnixTime(0));
        session.record_pass(Factor::Totp, UnixTime(10));
        assert!(
            session
                .valid_checks(&settings, UnixTime(69))
                .contains_key(&Factor::Totp)
        );
        let later = session.valid_checks(&settings, UnixTime(70));
        assert!(!later.contains_key(&Factor::Totp));
        assert!(later.contains_key(&Factor::Password));
    }

    #[test]
    fn a_session_cannot_change_its_user() {
        let settings = LoginSettings::default();
        let mut session = Session::new("s".into(), "t".into(), UnixTime(0), &settings);
        session.identify("alice", UnixTime(1)).unwrap();
        session.identify("alice", UnixTime(2)).unwrap();
        assert!(session.identify("bob", UnixTime(3)).is_err());
        assert_eq!(session.user_id.as_deref(), Some("alice"));
    }
}
