//! A sign-in in progress or done: whose it is and which checks passed when.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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
    /// When each factor last passed in this session, and how.
    pub checks: BTreeMap<Factor, Check>,
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
        self.record_check(factor, Check::at(at));
    }

    /// Records a pass as it came, with whether the person was verified: a later pass of the same
    /// factor replaces it whole, so a push answered without verification does not inherit `user`.
    pub fn record_check(&mut self, factor: Factor, check: Check) {
        self.checks.insert(factor, check);
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
            .filter(|(factor, check)| now.seconds_since(check.at) < settings.lifetime_of(**factor))
            .map(|(factor, check)| (*factor, check.at))
            .collect()
    }

    /// RFC 8176 values of the checks that counted (`passed`, from [`Session::valid_checks`] and
    /// narrowed by the request), each given once, in the order of the factors: the factor's own
    /// values, and `user` where the check verified the person (a push its device answered after
    /// biometrics or a PIN).
    pub fn amr_of(&self, passed: &PassedChecks) -> Vec<String> {
        let mut amr: Vec<String> = Vec::new();
        for (factor, at) in passed {
            let verified = self
                .checks
                .get(factor)
                .is_some_and(|check| check.at == *at && check.user_verified);
            let user = verified.then_some("user");
            for value in factor.amr().iter().copied().chain(user) {
                if !amr.iter().any(|v| v == value) {
                    amr.push(value.to_owned());
                }
            }
        }
        amr
    }
}

/// One passed check: when, and whether the person was verified (not only something they hold).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "StoredCheck", into = "StoredCheck")]
pub struct Check {
    pub at: UnixTime,
    pub user_verified: bool,
}

impl Check {
    pub fn at(at: UnixTime) -> Check {
        Check {
            at,
            user_verified: false,
        }
    }
}

/// A check as stored. A check that verified nobody is a bare time, as every check was before
/// checks said how: sessions stored earlier load, and a node still running the earlier version
/// reads what this one writes unless a push verified the person.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum StoredCheck {
    At(UnixTime),
    Check {
        at: UnixTime,
        #[serde(default)]
        user_verified: bool,
    },
}

impl From<StoredCheck> for Check {
    fn from(stored: StoredCheck) -> Check {
        match stored {
            StoredCheck::At(at) => Check::at(at),
            StoredCheck::Check { at, user_verified } => Check { at, user_verified },
        }
    }
}

impl From<Check> for StoredCheck {
    fn from(check: Check) -> StoredCheck {
        match check {
            Check {
                at,
                user_verified: false,
            } => StoredCheck::At(at),
            Check { at, user_verified } => StoredCheck::Check { at, user_verified },
        }
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
    fn a_verified_push_says_user_and_an_unverified_one_only_swk() {
        let settings = LoginSettings::default();
        let mut session = Session::new("s".into(), "t".into(), UnixTime(0), &settings);
        session.record_pass(Factor::Password, UnixTime(1));
        session.record_check(
            Factor::Push,
            Check {
                at: UnixTime(2),
                user_verified: true,
            },
        );
        let passed = session.valid_checks(&settings, UnixTime(3));
        assert_eq!(session.amr_of(&passed), ["pwd", "swk", "user"]);
        // A later push without verification replaces the verified one.
        session.record_pass(Factor::Push, UnixTime(4));
        let passed = session.valid_checks(&settings, UnixTime(5));
        assert_eq!(session.amr_of(&passed), ["pwd", "swk"]);
    }

    #[test]
    fn a_passkey_says_user_once_beside_a_verified_push() {
        let settings = LoginSettings::default();
        let mut session = Session::new("s".into(), "t".into(), UnixTime(0), &settings);
        session.record_pass(Factor::Passkey, UnixTime(1));
        let verified = Check {
            at: UnixTime(2),
            user_verified: true,
        };
        session.record_check(Factor::Push, verified);
        let passed = session.valid_checks(&settings, UnixTime(3));
        assert_eq!(session.amr_of(&passed), ["hwk", "user", "swk"]);
    }

    #[test]
    fn stored_checks_load_in_both_shapes_and_an_unverified_one_is_stored_as_before() {
        let stored = r#"{"password":5,"push":{"at":6,"user_verified":true}}"#;
        let checks: BTreeMap<Factor, Check> = serde_json::from_str(stored).unwrap();
        assert_eq!(checks[&Factor::Password], Check::at(UnixTime(5)));
        assert!(checks[&Factor::Push].user_verified);
        let again = serde_json::to_string(&checks).unwrap();
        assert_eq!(again, stored);
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
