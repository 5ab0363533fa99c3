//! Admin API tokens: listed by id (never by their secret), revocable, and never all at once.

use crate::names;
use crate::{DomainError, UnixTime};

/// What is known about an admin token besides its keyed hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminToken {
    pub id: String,
    pub tenant_id: String,
    /// What the operator called it (`ci`, `first start`), to tell tokens apart in a list.
    pub name: Option<String>,
    pub created_at: UnixTime,
    pub last_used_at: Option<UnixTime>,
}

/// `last_used_at` is written at most this often per token: it tells an operator whether a token
/// is still in use, and a write on every admin request would cost more than it tells.
pub const LAST_USED_GRANULARITY_SECONDS: i64 = 60;

impl AdminToken {
    /// Whether a use at `now` should be written down.
    pub fn use_is_news(&self, now: UnixTime) -> bool {
        self.last_used_at
            .is_none_or(|last| now.0 - last.0 >= LAST_USED_GRANULARITY_SECONDS)
    }
}

/// How a revocation went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    Revoked,
    NotFound,
    /// The tenant's last token: revoking it would lock every operator out of the admin API.
    Last,
}

/// A token's name, read by people in lists.
pub fn normalise_name(raw: &str) -> Result<String, DomainError> {
    let name = names::normalise_display_name(raw);
    if name.is_empty() || name.chars().count() > 100 {
        return Err(DomainError::invalid("name must have 1 to 100 characters"));
    }
    names::check_readable(&name, "name")?;
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_use_is_written_down_at_most_once_a_minute() {
        let mut token = AdminToken {
            id: "t".into(),
            tenant_id: "default".into(),
            name: None,
            created_at: UnixTime(0),
            last_used_at: None,
        };
        assert!(token.use_is_news(UnixTime(10)));
        token.last_used_at = Some(UnixTime(10));
        assert!(!token.use_is_news(UnixTime(69)));
        assert!(token.use_is_news(UnixTime(70)));
    }

    #[test]
    fn names_are_readable() {
        assert_eq!(normalise_name("  ci deploy ").unwrap(), "ci deploy");
        assert!(normalise_name("").is_err());
        assert!(normalise_name("ci\u{202E}").is_err());
    }
}
