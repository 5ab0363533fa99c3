//! Passwords: what is acceptable (NIST SP 800-63B §3.1.1) and how they are hashed (Argon2id).

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::DomainError;

pub const MIN_CHARS: usize = 8;
pub const MAX_BYTES: usize = 1024;
pub const SALT_LEN: usize = 16;
/// zxcvbn scores 0–4; 3 means "safely unguessable: moderate protection from offline attacks".
const MIN_STRENGTH: u8 = 3;
/// The strength estimator is super-linear in length; anything longer is long enough to judge
/// from its first part.
const STRENGTH_PREFIX_CHARS: usize = 100;

/// OWASP's Argon2id recommendation: 19 MiB, 2 passes, 1 lane.
pub fn owasp_params() -> Params {
    Params::new(19 * 1024, 2, 1, None).unwrap_or_default()
}

/// Refuses passwords that are too short, too long, or easy to guess — including ones built
/// from the user's own names (`context`).
pub fn check_policy(password: &str, context: &[&str]) -> Result<(), DomainError> {
    if password.chars().count() < MIN_CHARS {
        return Err(DomainError::WeakPassword(format!(
            "must have at least {MIN_CHARS} characters"
        )));
    }
    if password.len() > MAX_BYTES {
        return Err(DomainError::WeakPassword(format!(
            "must be at most {MAX_BYTES} bytes"
        )));
    }
    let judged: String = password.chars().take(STRENGTH_PREFIX_CHARS).collect();
    let estimate = zxcvbn::zxcvbn(&judged, context);
    if u8::from(estimate.score()) < MIN_STRENGTH {
        let hint = estimate
            .feedback()
            .and_then(|f| f.warning().map(|w| w.to_string()))
            .unwrap_or_else(|| "too easy to guess".to_owned());
        return Err(DomainError::WeakPassword(hint));
    }
    Ok(())
}

/// An Argon2id PHC string for `password` with the caller's random `salt`.
pub fn hash(password: &str, salt: &[u8; SALT_LEN], params: Params) -> Result<String, DomainError> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_with_salt(password.as_bytes(), salt)
        .map(|hash| hash.to_string())
        .map_err(|_| DomainError::invalid("password could not be hashed"))
}

/// Constant-time verification (inside argon2). A malformed stored hash never verifies.
pub fn verify(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> Params {
        Params::new(64, 1, 1, None).unwrap()
    }

    #[test]
    fn short_common_and_personal_passwords_are_refused() {
        for weak in [
            "short",
            "password123",
            "qwertyuiop",
            "aaaaaaaaaaaa",
            "12345678",
        ] {
            assert!(check_policy(weak, &[]).is_err(), "{weak}");
        }
        assert!(check_policy("alice.wonderland", &["alice.wonderland"]).is_err());
        assert!(check_policy(&"x".repeat(MAX_BYTES + 1), &[]).is_err());
    }

    #[test]
    fn strong_passwords_pass_including_long_unicode_ones() {
        assert!(check_policy("correct horse battery staple", &[]).is_ok());
        assert!(check_policy("Grüße aus dem Bärental, 1987!", &[]).is_ok());
        let long: String = "river-copper-lantern-".repeat(40);
        assert!(long.len() <= MAX_BYTES);
        assert!(check_policy(&long, &[]).is_ok());
    }

    #[test]
    fn hashes_verify_only_the_right_password() {
        let stored = hash("correct horse battery staple", &[3; SALT_LEN], cheap()).unwrap();
        assert!(stored.starts_with("$argon2id$v=19$"));
        assert!(verify("correct horse battery staple", &stored));
        assert!(!verify("correct horse battery stapler", &stored));
        assert!(!verify("anything", "not a phc string"));
    }

    #[test]
    fn the_server_parameters_are_owasps() {
        let params = owasp_params();
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (19456, 2, 1)
        );
    }
}
