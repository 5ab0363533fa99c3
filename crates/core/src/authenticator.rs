//! Authenticators: enrolled instances of a factor. Pending until proven, then active.

use serde::{Deserialize, Serialize};

use crate::names;
use crate::{DomainError, Factor, UnixTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthenticatorState {
    /// Enrolment started, not yet proven: never usable for a check.
    Pending,
    Active,
}

impl AuthenticatorState {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthenticatorState::Pending => "pending",
            AuthenticatorState::Active => "active",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticator {
    pub id: String,
    pub user_id: String,
    pub factor: Factor,
    pub name: String,
    pub state: AuthenticatorState,
    /// Sealed secret material (a TOTP seed); never the plain secret.
    pub sealed_secret: Option<Vec<u8>>,
    /// Factor-specific parameters as JSON (TOTP algorithm, digits, period).
    pub params: serde_json::Value,
    /// The last TOTP time step accepted: replays at or below it fail.
    pub last_step: Option<u64>,
    pub created_at: UnixTime,
    pub last_used_at: Option<UnixTime>,
}

impl Authenticator {
    pub fn is_usable(&self) -> bool {
        self.state == AuthenticatorState::Active
    }

    /// The context a sealed secret is bound to: it will not open in another row.
    pub fn seal_context(id: &str) -> Vec<u8> {
        format!("authenticator:{id}").into_bytes()
    }
}

/// A code factor (`otp-sms`, `otp-email`) is usable only while the contact point it sends to is
/// verified: a changed number suspends it until the new one is proven.
pub fn code_factor_state(contact_verified: bool) -> AuthenticatorState {
    if contact_verified {
        AuthenticatorState::Active
    } else {
        AuthenticatorState::Pending
    }
}

/// At most this many authenticators per user, of every kind together: enough for every device a
/// person owns, and a bound on what one user can make the server store.
pub const MAX_PER_USER: usize = 20;

/// Whether a user with these authenticators may start another.
pub fn ensure_room(existing: &[Authenticator]) -> Result<(), DomainError> {
    if existing.len() >= MAX_PER_USER {
        return Err(DomainError::Limit(format!(
            "a user may have at most {MAX_PER_USER} authenticators"
        )));
    }
    Ok(())
}

/// Authenticator names are shown in lists and must tell devices apart.
pub fn normalise_name(
    raw: Option<&str>,
    factor: Factor,
    existing: &[Authenticator],
) -> Result<String, DomainError> {
    let name = match raw.map(names::normalise_display_name) {
        Some(name) if name.is_empty() => {
            return Err(DomainError::invalid("name must not be empty"));
        }
        Some(name) => name,
        None => default_name(factor, existing),
    };
    if name.chars().count() > 100 {
        return Err(DomainError::invalid(
            "name must have at most 100 printable characters",
        ));
    }
    names::check_readable(&name, "name")?;
    if existing
        .iter()
        .any(|a| a.factor == factor && a.name == name && a.is_usable())
    {
        return Err(DomainError::invalid(format!(
            "an authenticator named `{name}` already exists"
        )));
    }
    Ok(name)
}

fn default_name(factor: Factor, existing: &[Authenticator]) -> String {
    let taken = existing.iter().filter(|a| a.factor == factor).count();
    match taken {
        0 => factor.as_str().to_owned(),
        n => format!("{} {}", factor.as_str(), n + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: usize) -> Authenticator {
        Authenticator {
            id: format!("a{i}"),
            user_id: "u".into(),
            factor: Factor::Webauthn,
            name: format!("Key {i}"),
            state: AuthenticatorState::Pending,
            sealed_secret: None,
            params: serde_json::Value::Null,
            last_step: None,
            created_at: UnixTime(0),
            last_used_at: None,
        }
    }

    #[test]
    fn a_user_has_room_for_twenty_authenticators_pending_ones_included() {
        let mut existing: Vec<Authenticator> = (0..MAX_PER_USER - 1).map(key).collect();
        assert_eq!(ensure_room(&existing), Ok(()));
        existing.push(key(MAX_PER_USER));
        assert!(matches!(
            ensure_room(&existing),
            Err(DomainError::Limit(m)) if m.contains("at most 20")
        ));
    }
}
