//! Times as the API and the audit log write them.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use twofold_core::UnixTime;

pub fn rfc3339(at: UnixTime) -> String {
    OffsetDateTime::from_unix_timestamp(at.0)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}
