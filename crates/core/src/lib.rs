//! Twofold's domain: the rules of multi-factor sign-in, with no I/O.
//!
//! Time and randomness are parameters: the server reads the clock once per request and passes
//! `now` down, and hands in random bytes it drew itself. Every rule here is therefore a pure
//! function that a unit test can stand exactly on a boundary of.

pub mod acr;
pub mod admin_token;
pub mod altcha;
pub mod app;
pub mod authenticator;
pub mod authorize;
pub mod backup_codes;
pub mod capabilities;
pub mod challenge;
pub mod check;
pub mod claims;
pub mod contacts;
pub mod device;
pub mod error;
pub mod event;
pub mod factor;
pub mod factor_change;
pub mod first_factor;
pub mod grant;
pub mod groups;
pub mod lockout;
pub mod mask;
pub mod mfa_info;
pub mod names;
pub mod otp;
pub mod password;
pub mod phone;
pub mod precheck;
pub mod push;
pub mod quota;
pub mod requirement;
pub mod risk;
pub mod secrets;
pub mod security_questions;
pub mod session;
pub mod settings;
pub mod signing_key;
pub mod step;
pub mod time;
pub mod user;
pub mod webauthn;

pub use error::DomainError;
pub use factor::Factor;
pub use time::UnixTime;
