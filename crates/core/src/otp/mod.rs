//! One-time-password maths: HOTP (RFC 4226) and TOTP (RFC 6238).

pub mod hotp;
pub mod totp;

pub use hotp::HashAlgorithm;
pub use totp::{TotpOutcome, TotpParams};
