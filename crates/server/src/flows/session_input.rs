//! What a create or update of a session may carry: checks, then challenges.

use serde::Deserialize;
use serde_json::Value;
use twofold_core::secrets::SecretString;

use super::webauthn_sign_in::{WebauthnChallenge, WebauthnCheck};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checks {
    pub user: Option<UserCheck>,
    pub password: Option<PasswordCheck>,
    pub totp: Option<CodeCheck>,
    pub otp_sms: Option<CodeCheck>,
    pub otp_email: Option<CodeCheck>,
    pub webauthn: Option<WebauthnCheck>,
    pub backup_code: Option<CodeCheck>,
    pub security_questions: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserCheck {
    pub login_name: Option<String>,
    pub user_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordCheck {
    pub password: SecretString,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeCheck {
    pub code: SecretString,
}

/// Challenges a request may start: codes by SMS or email, a WebAuthn assertion.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Challenges {
    pub otp_sms: Option<CodeChallenge>,
    pub otp_email: Option<CodeChallenge>,
    pub webauthn: Option<WebauthnChallenge>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeChallenge {
    #[serde(default)]
    pub return_code: bool,
}

/// One create or update of a session: checks first, then challenges.
pub struct Step {
    pub checks: Checks,
    pub challenges: Challenges,
    /// The caller holds the admin token, so may have codes returned instead of sent.
    pub admin: bool,
}
