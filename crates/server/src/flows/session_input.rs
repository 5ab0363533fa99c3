//! What a create or update of a session may carry, already parsed from the wire (see
//! `api/session_input.rs`): the user check, the proofs, then the challenges.

use twofold_core::step::Proof;

use super::factors::webauthn::sign_in::{WebauthnChallenge, WebauthnCheck};

/// The checks of one step: who the user is, and the proofs in the order they are checked.
#[derive(Debug, Default)]
pub struct Checks {
    pub user: Option<UserCheck>,
    pub proofs: Vec<Proof<WebauthnCheck>>,
    /// A solved ALTCHA payload (base64), for the attempt the captcha lockout type holds back;
    /// not a proof of anything.
    pub captcha: Option<String>,
}

impl Checks {
    pub fn into_proofs(self) -> (Option<UserCheck>, Vec<Proof<WebauthnCheck>>) {
        (self.user, self.proofs)
    }
}

/// Names the user by login name or id; exactly one is allowed, which the flow checks.
#[derive(Debug)]
pub struct UserCheck {
    pub login_name: Option<String>,
    pub user_id: Option<String>,
}

/// Challenges a request may start: codes by SMS or email, a WebAuthn assertion, the user's
/// security questions, a push.
#[derive(Debug, Default)]
pub struct Challenges {
    pub otp_sms: Option<CodeChallenge>,
    pub otp_email: Option<CodeChallenge>,
    pub webauthn: Option<WebauthnChallenge>,
    /// Ask the user's security questions (there is nothing to choose).
    pub security_questions: bool,
    pub push: Option<PushChallenge>,
}

/// A push to the user's device; nothing to choose yet.
#[derive(Debug, Default)]
pub struct PushChallenge {}

#[derive(Debug, Default)]
pub struct CodeChallenge {
    /// Answer the code instead of sending it (admin token or `otp.allow_return_code`).
    pub return_code: bool,
    /// The contact to send it to; by default the primary one, else the oldest verified one.
    pub medium_id: Option<String>,
}

/// One create or update of a session: checks first, then challenges.
pub struct Step {
    pub checks: Checks,
    pub challenges: Challenges,
    /// The caller holds the admin token, so may have codes returned instead of sent.
    pub admin: bool,
}
