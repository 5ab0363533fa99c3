//! Groups: a name and an MFA policy that every member is held to.
//!
//! A user's policy is the *strictest* of the tenant's, the app's, each of their groups' and their
//! own. Requirements are not totally ordered (`totp` is neither stricter nor looser than
//! `otp-sms`), so "strictest" is the conjunction, which is at least as strict as every part:
//! MFA applies when any of them asks for it, and what must pass is every requirement expression
//! any of them states, all together (`allOfInAnyOrder`; identical ones once). Only where none
//! states an expression does any one of the user's second factors do. No party can loosen
//! another's: a group cannot switch off what the tenant or an app asks, nor the other way round.

use serde::{Deserialize, Serialize};

use crate::requirement::Requirement;
use crate::settings::LoginSettings;
use crate::{DomainError, UnixTime, names};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub mfa: GroupMfa,
    pub created_at: UnixTime,
    pub updated_at: UnixTime,
}

/// What a group asks of its members (`mfa` of `POST /v1/groups`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GroupMfa {
    /// Every sign-in of a member needs a second factor.
    pub required: bool,
    /// What that second factor must be, on top of every other requirement. Naming one implies
    /// `required`: an expression nobody has to meet would be a trap for the reader.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::settings::requirement_json"
    )]
    pub require: Option<Requirement>,
}

impl GroupMfa {
    /// The requirement may name only the tenant's second factors, as `mfa.require` may.
    pub fn validate(&self, settings: &LoginSettings) -> Result<(), DomainError> {
        let named = self
            .require
            .as_ref()
            .map(Requirement::factors)
            .unwrap_or_default();
        if let Some(f) = named
            .iter()
            .find(|f| !f.is_second_factor() || !settings.second_factors.contains(f))
        {
            return Err(DomainError::invalid(format!(
                "mfa.require names `{f}`, which is not one of the tenant's second factors"
            )));
        }
        Ok(())
    }

    pub fn requires_mfa(&self) -> bool {
        self.required || self.require.is_some()
    }
}

/// Group names are shown to administrators and in events: readable, 1 to 100 characters.
pub fn normalise_name(raw: &str) -> Result<String, DomainError> {
    let name = names::normalise_display_name(raw);
    if name.is_empty() || name.chars().count() > 100 {
        return Err(DomainError::invalid(
            "name must have 1 to 100 printable characters",
        ));
    }
    names::check_readable(&name, "name")?;
    Ok(name)
}

/// The groups' part of a user's policy: whether any group asks for MFA, and every expression
/// the groups state, each once.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupsPolicy {
    pub required: bool,
    pub require: Vec<Requirement>,
}

pub fn combine(groups: &[GroupMfa]) -> GroupsPolicy {
    let mut policy = GroupsPolicy::default();
    for group in groups {
        policy.required |= group.requires_mfa();
        if let Some(require) = &group.require
            && !policy.require.contains(require)
        {
            policy.require.push(require.clone());
        }
    }
    policy
}

/// Every expression of `parts` together, identical ones once: `None` without any, the one
/// itself when alone, else all of them in any order.
pub fn all_of(parts: Vec<Requirement>) -> Option<Requirement> {
    let mut unique: Vec<Requirement> = Vec::new();
    for part in parts {
        if !unique.contains(&part) {
            unique.push(part);
        }
    }
    match unique.len() {
        0 | 1 => unique.pop(),
        _ => Some(Requirement::AllOfInAnyOrder(unique)),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::Factor;

    fn group(v: serde_json::Value) -> GroupMfa {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn any_group_that_asks_makes_mfa_required_and_its_expression_counts_once() {
        let totp = group(json!({"require": "totp"}));
        let plain = group(json!({"required": true}));
        let none = GroupMfa::default();
        assert_eq!(combine(&[]), GroupsPolicy::default());
        assert_eq!(
            combine(std::slice::from_ref(&none)),
            GroupsPolicy::default()
        );
        let policy = combine(&[none, totp.clone(), plain, totp]);
        assert!(policy.required);
        assert_eq!(policy.require, vec![Requirement::Factor(Factor::Totp)]);
    }

    #[test]
    fn all_of_keeps_each_expression_once() {
        let totp = Requirement::Factor(Factor::Totp);
        let sms = Requirement::Factor(Factor::OtpSms);
        assert_eq!(all_of(vec![]), None);
        assert_eq!(all_of(vec![totp.clone(), totp.clone()]), Some(totp.clone()));
        assert_eq!(
            all_of(vec![totp.clone(), sms.clone(), totp.clone()]),
            Some(Requirement::AllOfInAnyOrder(vec![totp, sms]))
        );
    }

    #[test]
    fn a_group_may_require_only_the_tenants_second_factors() {
        let settings = LoginSettings::default();
        assert!(
            group(json!({"require": "totp"}))
                .validate(&settings)
                .is_ok()
        );
        assert!(
            group(json!({"require": "push"}))
                .validate(&settings)
                .is_err()
        );
        assert!(
            group(json!({"require": "password"}))
                .validate(&settings)
                .is_err()
        );
        assert!(serde_json::from_value::<GroupMfa>(json!({"mode": "always"})).is_err());
        assert_eq!(normalise_name("  Finance ").unwrap(), "Finance");
        assert!(normalise_name(" ").is_err());
    }
}
