//! Push approval with number matching (factor `push`, amr `swk`, plus `user` when the device
//! verified the person).
//!
//! A device enrols from a one-time URI ([`uri`]), posts its public key as a JWK ([`key`]) and
//! proves it holds the private key by signing a first challenge. A sign-in then makes an
//! exchange: the login screen shows a two-digit number ([`number_to_show`]); the device, having
//! fetched what is pending with a signed request, answers approve or deny with the number the
//! person typed, signed ([`signed`]). The exchange passes only on a signed approval with the
//! right number ([`exchange`]). Fatigue limits keep a person from being worn down by prompts
//! ([`fatigue`]).

use serde::{Deserialize, Serialize};

use crate::DomainError;

pub mod exchange;
pub mod fatigue;
pub mod key;
pub mod signed;
pub mod uri;

pub use exchange::{AnswerOutcome, PushDecision, PushExchange, PushState};
pub use fatigue::{PushGate, fatigue_pause, push_gate};
pub use key::{DeviceKey, KeyError};
pub use signed::{SignedPurpose, answer_bytes, enrolment_bytes, fresh_request, pending_bytes};
pub use uri::{EnrolmentUri, UriError};

/// Prefix of a one-time device enrolment code, so secret scanners recognise one.
pub const ENROLMENT_CODE_PREFIX: &str = "tfe_";

/// The tenant's push settings (`push` in the login settings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PushPolicy {
    /// Where the server posts `{push_token, exchange_id}` to wake a device; without one a device
    /// only learns of a push by fetching what is pending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_url: Option<String>,
    /// How long a push waits for an answer.
    pub ttl_seconds: u64,
    pub fatigue: FatiguePolicy,
    /// How long a device enrolment URI stays valid.
    pub enrolment_ttl_seconds: u64,
}

/// When pushes pause for a user: `max_unanswered` denied or unanswered pushes within
/// `window_seconds`. Other factors still work meanwhile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FatiguePolicy {
    pub max_unanswered: u32,
    pub window_seconds: u64,
}

impl Default for FatiguePolicy {
    fn default() -> Self {
        FatiguePolicy {
            max_unanswered: 3,
            window_seconds: 3600,
        }
    }
}

impl Default for PushPolicy {
    fn default() -> Self {
        PushPolicy {
            gateway_url: None,
            ttl_seconds: 60,
            fatigue: FatiguePolicy::default(),
            enrolment_ttl_seconds: 600,
        }
    }
}

impl PushPolicy {
    pub fn validate(&self) -> Result<(), DomainError> {
        if let Some(url) = &self.gateway_url {
            // https, or http on a loopback address for trying push out, as for enrolment URIs.
            let https = url.starts_with("https://") && uri::allowed_server(url);
            let loopback = url.starts_with("http://") && uri::allowed_server(url);
            if !(https || loopback) || url.len() > 2000 {
                return Err(DomainError::invalid(
                    "push.gateway_url must be an https URL without credentials (http only on a loopback address)",
                ));
            }
        }
        if !(10..=600).contains(&self.ttl_seconds) {
            return Err(DomainError::invalid("push.ttl_seconds must be 10 to 600"));
        }
        if !(1..=100).contains(&self.fatigue.max_unanswered)
            || !(60..=86_400).contains(&self.fatigue.window_seconds)
        {
            return Err(DomainError::invalid(
                "push.fatigue needs max_unanswered 1 to 100 and window_seconds 60 to 86400",
            ));
        }
        if !(60..=86_400).contains(&self.enrolment_ttl_seconds) {
            return Err(DomainError::invalid(
                "push.enrolment_ttl_seconds must be 60 to 86400",
            ));
        }
        Ok(())
    }
}

/// The number the login screen shows and the person types on the device: 10 to 99, so it is
/// always two digits and never read with a leading zero dropped.
pub fn number_to_show(random: &[u8; 4]) -> u8 {
    // 2^32 is not a multiple of 90: the bias is below 10⁻⁸.
    let value = u32::from_be_bytes(*random) % 90;
    10 + u8::try_from(value).unwrap_or(0)
}

#[cfg(test)]
mod tests;
