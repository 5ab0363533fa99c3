//! One module per factor: how it is enrolled, challenged and proven. The places that must know
//! every factor match on `Proof` or `Factor` exhaustively, so a new variant is listed by the
//! compiler wherever it is still due.

pub mod backup_code_fallback;
pub mod backup_codes;
pub mod budget;
pub mod captcha;
pub mod codes;
pub mod password;
pub mod push;
pub mod security_questions;
pub mod totp;
pub mod webauthn;
