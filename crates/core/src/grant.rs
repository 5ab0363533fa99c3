//! A grant: what one satisfied auth request allowed one client to have. The authorization code,
//! the refresh tokens and the access tokens all hang off it, so revoking it ends them all.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::UnixTime;
use crate::precheck::Authentication;
use crate::settings::OidcPolicy;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub id: String,
    pub tenant_id: String,
    pub client_id: String,
    pub user_id: String,
    pub session_id: String,
    pub redirect_uri: String,
    pub scope: Vec<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub authentication: Authentication,
    pub created_at: UnixTime,
    pub code_expires_at: UnixTime,
    pub revoked_at: Option<UnixTime>,
}

impl Grant {
    pub fn is_revoked(&self) -> bool {
        self.revoked_at.is_some()
    }

    /// When every refresh token of the grant ends: a fixed time after the sign-in, so rotation
    /// never extends a grant.
    pub fn refresh_tokens_end(&self, policy: &OidcPolicy) -> UnixTime {
        self.created_at.plus_seconds(policy.refresh_token_lifetime)
    }
}

/// Redeeming an authorization code, decided atomically by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redemption {
    /// First use of a live code.
    Redeemed(Box<Grant>),
    /// The code was redeemed before: someone else has it too. RFC 6749 §4.1.2 asks that what
    /// the first redemption issued be revoked.
    Replayed { grant_id: String },
    /// Unknown or expired.
    Invalid,
}

/// Rotating a refresh token, decided atomically by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    Rotated {
        grant_id: String,
    },
    /// An already rotated token came back: it was stolen or copied, so the whole grant goes.
    Reused {
        grant_id: String,
    },
    Invalid,
}

/// RFC 7636 §4.1: 43 to 128 characters of `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`.
pub fn is_code_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Whether `verifier` is the one `challenge` (S256) was made from; compared in constant time.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    if !is_code_verifier(verifier) {
        return false;
    }
    let derived = data_encoding::BASE64URL_NOPAD.encode(&Sha256::digest(verifier.as_bytes()));
    derived.as_bytes().ct_eq(challenge.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_7636_example_verifier_matches_its_challenge_and_nothing_else_does() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK",
            challenge
        ));
        assert!(!pkce_matches("short", challenge));
        assert!(!pkce_matches(&format!("{verifier}!"), challenge));
    }
}
