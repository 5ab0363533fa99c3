//! WebAuthn (passkeys and security keys): stored credentials, enrolment ceremonies and sign-in
//! assertions.

pub mod credentials;
pub mod enrolment;
pub mod sign_in;
