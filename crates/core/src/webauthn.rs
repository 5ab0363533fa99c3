//! WebAuthn as the domain sees it: which kind of credential is which factor, the ceremony's
//! server-side record, and the attestation policy. The cryptography is the library's (in the
//! server); the rules about it live here.

use serde::{Deserialize, Serialize};

use crate::{DomainError, Factor, UnixTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// A security key as a second factor: not discoverable, user verification discouraged.
    SecurityKey,
    /// A discoverable credential with user verification: a passwordless first factor.
    Passkey,
}

impl CredentialKind {
    pub fn factor(self) -> Factor {
        match self {
            CredentialKind::SecurityKey => Factor::Webauthn,
            CredentialKind::Passkey => Factor::Passkey,
        }
    }

    /// The factor an assertion counts as: a passkey only with user verification (two factors in
    /// one); a security key, or a passkey that did not verify the user, is possession alone.
    pub fn counts_as(self, user_verified: bool) -> Factor {
        match (self, user_verified) {
            (CredentialKind::Passkey, true) => Factor::Passkey,
            _ => Factor::Webauthn,
        }
    }

    pub fn of_factor(factor: Factor) -> Option<CredentialKind> {
        match factor {
            Factor::Webauthn => Some(CredentialKind::SecurityKey),
            Factor::Passkey => Some(CredentialKind::Passkey),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CeremonyPurpose {
    Register,
    /// An assertion for a user the session knows (an allow-list).
    Authenticate,
    /// A passkey sign-in with no user yet: the credential names its user.
    Discover,
}

impl CeremonyPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            CeremonyPurpose::Register => "register",
            CeremonyPurpose::Authenticate => "authenticate",
            CeremonyPurpose::Discover => "discover",
        }
    }

    pub fn parse(value: &str) -> Option<CeremonyPurpose> {
        [
            CeremonyPurpose::Register,
            CeremonyPurpose::Authenticate,
            CeremonyPurpose::Discover,
        ]
        .into_iter()
        .find(|p| p.as_str() == value)
    }
}

/// A ceremony in progress: the library's state, kept server-side, used once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ceremony {
    pub id: String,
    pub tenant_id: String,
    pub purpose: CeremonyPurpose,
    pub session_id: Option<String>,
    pub user_id: Option<String>,
    /// The pending authenticator a registration will activate.
    pub authenticator_id: Option<String>,
    /// The library's serialised ceremony state (challenge, allowed credentials, policy).
    pub state: String,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
}

impl Ceremony {
    pub fn is_expired(&self, now: UnixTime) -> bool {
        now >= self.expires_at
    }
}

/// Tenant policy for WebAuthn credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebauthnPolicy {
    /// Seconds a registration or sign-in ceremony may take.
    pub ceremony_timeout_seconds: u64,
    /// Authenticator models (AAGUIDs, lower-case hyphenated) allowed to register; empty = any.
    pub aaguid_allow: Vec<String>,
    /// Authenticator models refused at registration.
    pub aaguid_deny: Vec<String>,
}

impl Default for WebauthnPolicy {
    fn default() -> Self {
        WebauthnPolicy {
            ceremony_timeout_seconds: 300,
            aaguid_allow: Vec::new(),
            aaguid_deny: Vec::new(),
        }
    }
}

impl WebauthnPolicy {
    pub fn validate(&self) -> Result<(), DomainError> {
        if !(30..=3600).contains(&self.ceremony_timeout_seconds) {
            return Err(DomainError::invalid(
                "webauthn.ceremony_timeout_seconds must be 30 to 3600",
            ));
        }
        for aaguid in self.aaguid_allow.iter().chain(&self.aaguid_deny) {
            if !is_aaguid(aaguid) {
                return Err(DomainError::invalid(format!(
                    "webauthn: `{aaguid}` is not an AAGUID (lower-case 8-4-4-4-12 hex)"
                )));
            }
        }
        Ok(())
    }

    /// When a ceremony started at `now` stops being answerable.
    pub fn ceremony_expires_at(&self, now: UnixTime) -> UnixTime {
        now.plus_seconds(self.ceremony_timeout_seconds)
    }

    /// Whether a pending registration started at `created_at` can no longer finish.
    pub fn is_abandoned(&self, created_at: UnixTime, now: UnixTime) -> bool {
        now >= self.ceremony_expires_at(created_at)
    }

    /// Whether an authenticator model may register. Without attestation the AAGUID is the
    /// authenticator's own claim: the lists keep honest models out, not forged ones.
    pub fn allows(&self, aaguid: &str) -> bool {
        !self.aaguid_deny.iter().any(|a| a == aaguid)
            && (self.aaguid_allow.is_empty() || self.aaguid_allow.iter().any(|a| a == aaguid))
    }
}

fn is_aaguid(value: &str) -> bool {
    let groups: Vec<&str> = value.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && value
            .chars()
            .all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c))
}

/// The hyphenated form of 16 AAGUID bytes.
pub fn format_aaguid(bytes: &[u8; 16]) -> String {
    let hex = data_encoding::HEXLOWER.encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_verified_passkey_is_two_factors_in_one() {
        assert_eq!(CredentialKind::Passkey.counts_as(true), Factor::Passkey);
        assert_eq!(CredentialKind::Passkey.counts_as(false), Factor::Webauthn);
        assert_eq!(
            CredentialKind::SecurityKey.counts_as(true),
            Factor::Webauthn
        );
    }

    #[test]
    fn a_ceremony_ends_at_its_timeout() {
        let policy = WebauthnPolicy::default();
        assert_eq!(policy.ceremony_expires_at(UnixTime(100)), UnixTime(400));
        assert!(!policy.is_abandoned(UnixTime(100), UnixTime(399)));
        assert!(policy.is_abandoned(UnixTime(100), UnixTime(400)));
    }

    #[test]
    fn aaguid_lists_allow_and_deny_models() {
        let yubikey = "cb69481e-8ff7-4039-93ec-0a2729a154a8";
        let other = format_aaguid(&[0; 16]);
        assert_eq!(other, "00000000-0000-0000-0000-000000000000");
        let bytes = [
            0xcb, 0x69, 0x48, 0x1e, 0x8f, 0xf7, 0x40, 0x39, 0x93, 0xec, 0x0a, 0x27, 0x29, 0xa1,
            0x54, 0xa8,
        ];
        assert_eq!(format_aaguid(&bytes), yubikey);
        let open = WebauthnPolicy::default();
        assert!(open.allows(yubikey) && open.allows(&other));
        let only = WebauthnPolicy {
            aaguid_allow: vec![yubikey.into()],
            ..WebauthnPolicy::default()
        };
        only.validate().unwrap();
        assert!(only.allows(yubikey) && !only.allows(&other));
        let deny = WebauthnPolicy {
            aaguid_deny: vec![other.clone()],
            ..WebauthnPolicy::default()
        };
        assert!(!deny.allows(&other) && deny.allows(yubikey));
        let bad = WebauthnPolicy {
            aaguid_deny: vec!["CB69481E-8FF7".into()],
            ..WebauthnPolicy::default()
        };
        assert!(bad.validate().is_err());
    }
}
