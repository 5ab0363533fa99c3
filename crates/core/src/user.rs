//! Users: login names, contact points, the MFA flags that policy reads, and lockout counters.

use crate::lockout::{Counter, LockState};
use crate::names;
use crate::{DomainError, Factor, UnixTime};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub tenant_id: String,
    pub username: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub phone: Option<String>,
    pub phone_verified: bool,
    /// BCP 47 tag (`de-CH`) for messages to the user, when known.
    pub language: Option<String>,
    /// Argon2id PHC string; `None` for users without a password.
    pub password_hash: Option<String>,
    pub mfa_enabled: bool,
    /// Second factors this user must use: any one of them.
    pub required_factors: Vec<Factor>,
    pub second_factor: Counter,
    /// The account-wide run of failed passwords (every source), kept with the login throttle.
    pub password: Counter,
    pub created_at: UnixTime,
    pub updated_at: UnixTime,
}

impl User {
    /// The lock that holds now on either budget, if any (second factor first: the likelier one).
    /// A user locked either way gets no code and no tokens.
    pub fn lock_at(&self, now: UnixTime) -> Option<LockState> {
        [self.second_factor, self.password]
            .into_iter()
            .map(|c| c.lock)
            .find(|lock| lock.is_locked(now))
    }
}

/// Usernames are compared in their folded form (NFKC, lower case; see [`names`]), so they are
/// stored folded: `Alice` and `alice` are one login and cannot both exist.
pub fn normalise_username(raw: &str) -> Result<String, DomainError> {
    let name = names::normalise_login_name(raw);
    if name.is_empty() || name.chars().count() > 200 {
        return Err(DomainError::invalid(
            "username must have 1 to 200 characters",
        ));
    }
    names::check_login_name(&name, "username")?;
    Ok(name)
}

/// A BCP 47 language tag, loosely: letters, digits and dashes, at most 35 characters.
pub fn normalise_language(raw: &str) -> Result<String, DomainError> {
    let tag = raw.trim();
    let valid = !tag.is_empty()
        && tag.len() <= 35
        && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && tag.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    if valid {
        Ok(tag.to_owned())
    } else {
        Err(DomainError::invalid(
            "language must be a tag such as en or de-CH",
        ))
    }
}

/// A syntax check only; ownership is proven by a code sent to the address.
/// Folded like a username, since an email is a login name too.
pub fn normalise_email(raw: &str) -> Result<String, DomainError> {
    let email = names::normalise_login_name(raw);
    let valid = email.len() <= 254
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && local.len() <= 64
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains("..")
                    && !email[local.len() + 1..].contains('@')
            }
            None => false,
        }
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if !valid {
        return Err(DomainError::invalid("email is not a valid address"));
    }
    names::check_login_name(&email, "email")?;
    Ok(email)
}

/// E.164, validated against libphonenumber's metadata.
pub fn normalise_phone(raw: &str) -> Result<String, DomainError> {
    crate::phone::parse(raw).map(|phone| phone.e164)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_names_are_folded_and_checked() {
        assert_eq!(
            names::normalise_login_name(" Alice@Example.COM\t"),
            "alice@example.com"
        );
        assert_eq!(normalise_username("  Alice ").unwrap(), "alice");
        assert!(normalise_username("").is_err());
        assert!(normalise_username("al ice").is_err());
        assert_eq!(
            normalise_email("Alice@Example.COM").unwrap(),
            "alice@example.com"
        );
        for bad in [
            "alice",
            "alice@",
            "@example.com",
            "a@b",
            "a@@b.com",
            "a@b..com",
            "a b@c.com",
        ] {
            assert!(normalise_email(bad).is_err(), "{bad}");
        }
        assert_eq!(normalise_phone("+41 79 123 45 67").unwrap(), "+41791234567");
        for bad in ["0791234567", "+0791234567", "+41abc", "+123"] {
            assert!(normalise_phone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_lock_on_either_budget_holds_until_it_ends() {
        let mut user = User {
            id: "u".into(),
            tenant_id: "t".into(),
            username: "alice".into(),
            email: None,
            email_verified: false,
            phone: None,
            phone_verified: false,
            language: None,
            password_hash: None,
            mfa_enabled: false,
            required_factors: vec![],
            second_factor: Counter::default(),
            password: Counter::default(),
            created_at: UnixTime(0),
            updated_at: UnixTime(0),
        };
        assert_eq!(user.lock_at(UnixTime(10)), None);
        user.password.lock = LockState::Until(UnixTime(20));
        assert_eq!(
            user.lock_at(UnixTime(19)),
            Some(LockState::Until(UnixTime(20)))
        );
        assert_eq!(user.lock_at(UnixTime(20)), None);
        user.second_factor.lock = LockState::Until(UnixTime(30));
        assert_eq!(
            user.lock_at(UnixTime(19)),
            Some(LockState::Until(UnixTime(30)))
        );
    }
}
