//! The exact bytes a device signs. Each message is UTF-8 lines joined by `\n`: a version tag, the
//! purpose, then the fields in a fixed order. No field may hold a newline, so no two messages
//! share bytes; the purpose line keeps a signature for one purpose from serving another.
//!
//! - enrolment: `twofold-push-v1`, `enrol`, authenticator id, the server's challenge
//! - fetching what is pending: `twofold-push-v1`, `pending`, authenticator id, unix seconds
//! - an answer: `twofold-push-v1`, `answer`, authenticator id, exchange id, `approve` or `deny`,
//!   the number typed (decimal), `uv=1` or `uv=0` (whether the device verified the person)

use super::exchange::PushDecision;
use crate::{DomainError, UnixTime};

pub const VERSION: &str = "twofold-push-v1";

/// How far a signed fetch's time may be from the server's: a fetch only reads, and a copy of one
/// is useless after this.
pub const REQUEST_SKEW_SECONDS: u64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedPurpose {
    Enrol,
    Pending,
    Answer,
}

impl SignedPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            SignedPurpose::Enrol => "enrol",
            SignedPurpose::Pending => "pending",
            SignedPurpose::Answer => "answer",
        }
    }
}

fn canonical(purpose: SignedPurpose, fields: &[&str]) -> Result<Vec<u8>, DomainError> {
    if let Some(bad) = fields
        .iter()
        .find(|f| f.is_empty() || f.contains(['\n', '\r']))
    {
        return Err(DomainError::invalid(format!(
            "a signed push field must be one non-empty line (got {bad:?})"
        )));
    }
    let mut lines = vec![VERSION, purpose.as_str()];
    lines.extend_from_slice(fields);
    Ok(lines.join("\n").into_bytes())
}

/// What a device signs to prove it holds its key at enrolment.
pub fn enrolment_bytes(authenticator_id: &str, challenge: &str) -> Result<Vec<u8>, DomainError> {
    canonical(SignedPurpose::Enrol, &[authenticator_id, challenge])
}

/// What a device signs to fetch its pending pushes, at `signed_at` by its clock.
pub fn pending_bytes(authenticator_id: &str, signed_at: UnixTime) -> Result<Vec<u8>, DomainError> {
    canonical(
        SignedPurpose::Pending,
        &[authenticator_id, &signed_at.0.to_string()],
    )
}

/// What a device signs to answer an exchange.
pub fn answer_bytes(
    authenticator_id: &str,
    exchange_id: &str,
    decision: PushDecision,
    number: u8,
    user_verified: bool,
) -> Result<Vec<u8>, DomainError> {
    canonical(
        SignedPurpose::Answer,
        &[
            authenticator_id,
            exchange_id,
            decision.as_str(),
            &number.to_string(),
            if user_verified { "uv=1" } else { "uv=0" },
        ],
    )
}

/// Whether a signed fetch's time is close enough to `now`.
pub fn fresh_request(signed_at: UnixTime, now: UnixTime) -> bool {
    signed_at.0.abs_diff(now.0) <= REQUEST_SKEW_SECONDS
}
