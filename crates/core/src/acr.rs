//! Authentication context classes: the `acr_values` a client may ask for, each mapped to what a
//! sign-in must have passed to carry that `acr` in its ID token.

use serde::{Deserialize, Serialize};

use crate::requirement::{PassedChecks, Requirement};
use crate::{DomainError, Factor};

pub const ACR_PASSWORD: &str = "urn:twofold:acr:pwd";
pub const ACR_MFA: &str = "urn:twofold:acr:mfa";
pub const ACR_PHISHING_RESISTANT: &str = "phr";

/// One level a client may request. Levels are listed weakest first: the `acr` claim of a token
/// is the strongest level its sign-in satisfies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcrLevel {
    pub value: String,
    /// Whether the level needs a second factor even where the tenant, app and user do not.
    #[serde(default)]
    pub mfa: bool,
    /// What the second factor must be, on top of every other requirement.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::settings::requirement_json"
    )]
    pub require: Option<Requirement>,
}

pub fn default_levels() -> Vec<AcrLevel> {
    vec![
        AcrLevel {
            value: ACR_PASSWORD.to_owned(),
            mfa: false,
            require: None,
        },
        AcrLevel {
            value: ACR_MFA.to_owned(),
            mfa: true,
            require: None,
        },
        AcrLevel {
            value: ACR_PHISHING_RESISTANT.to_owned(),
            mfa: true,
            require: Some(Requirement::OneOf(vec![
                Requirement::Factor(Factor::Webauthn),
                Requirement::Factor(Factor::Passkey),
            ])),
        },
    ]
}

pub fn validate(levels: &[AcrLevel]) -> Result<(), DomainError> {
    if levels.len() > 16 {
        return Err(DomainError::invalid("acr_levels: at most 16 levels"));
    }
    for (i, level) in levels.iter().enumerate() {
        let value = &level.value;
        if value.is_empty()
            || value.len() > 200
            || value.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(DomainError::invalid(
                "acr_levels: a value is 1 to 200 characters without spaces",
            ));
        }
        if levels[..i].iter().any(|other| &other.value == value) {
            return Err(DomainError::invalid(format!(
                "acr_levels: `{value}` is listed twice"
            )));
        }
        if let Some(f) = level
            .require
            .as_ref()
            .map(Requirement::factors)
            .unwrap_or_default()
            .into_iter()
            .find(|f| !f.is_second_factor())
        {
            return Err(DomainError::invalid(format!(
                "acr_levels: `{value}` requires `{f}`, which is not a second factor"
            )));
        }
    }
    Ok(())
}

/// The checks that count towards `level`. A level that needs a second factor is never reached
/// by a weak one alone (security questions are knowledge, like the password): weak checks count
/// there only beside a strong second factor, so an explicit requirement may still name them.
pub fn counting_for_level(level: &AcrLevel, passed: &PassedChecks) -> PassedChecks {
    if !level.mfa || has_strong_second_factor(passed) {
        return passed.clone();
    }
    passed
        .iter()
        .filter(|(f, _)| !f.is_weak())
        .map(|(f, at)| (*f, *at))
        .collect()
}

/// Whether a second factor that is not weak passed.
pub fn has_strong_second_factor(passed: &PassedChecks) -> bool {
    passed.keys().any(|f| f.is_second_factor() && !f.is_weak())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UnixTime;

    #[test]
    fn security_questions_alone_never_reach_a_level_that_needs_a_second_factor() {
        let passed: PassedChecks = [
            (Factor::Password, UnixTime(1)),
            (Factor::SecurityQuestions, UnixTime(2)),
        ]
        .into();
        let levels = default_levels();
        assert_eq!(counting_for_level(&levels[0], &passed), passed);
        let for_mfa = counting_for_level(&levels[1], &passed);
        assert!(!for_mfa.contains_key(&Factor::SecurityQuestions));
        let mut with_totp = passed.clone();
        with_totp.insert(Factor::Totp, UnixTime(3));
        assert_eq!(counting_for_level(&levels[1], &with_totp), with_totp);
        assert!(!has_strong_second_factor(&passed));
    }

    #[test]
    fn the_defaults_are_valid_and_duplicates_are_not() {
        validate(&default_levels()).unwrap();
        let mut twice = default_levels();
        twice.push(twice[0].clone());
        assert!(validate(&twice).is_err());
        let spaced = AcrLevel {
            value: "a b".into(),
            mfa: false,
            require: None,
        };
        assert!(validate(&[spaced]).is_err());
    }
}
