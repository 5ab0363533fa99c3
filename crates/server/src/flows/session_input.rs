//! What a create or update of a session may carry: checks, then challenges.

use serde::Deserialize;
use serde_json::Value;
use twofold_core::secrets::SecretString;
use twofold_core::step::Proof;

use super::factors::webauthn::sign_in::{WebauthnChallenge, WebauthnCheck};

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
    /// A solved ALTCHA challenge, for the attempt the captcha lockout type holds back.
    pub captcha: Option<CaptchaCheck>,
}

impl Checks {
    /// The user check, then the proofs in the order a step checks them: first factors before
    /// second ones, as the wire always had them.
    pub fn into_proofs(self) -> (Option<UserCheck>, Vec<Proof<WebauthnCheck>>) {
        let code = |check: Option<CodeCheck>| check.map(|c| c.code);
        let proofs = [
            self.password.map(|p| Proof::Password(p.password)),
            code(self.totp).map(Proof::Totp),
            code(self.otp_sms).map(Proof::OtpSms),
            code(self.otp_email).map(Proof::OtpEmail),
            self.webauthn.map(Proof::Webauthn),
            code(self.backup_code).map(Proof::BackupCode),
        ];
        (self.user, proofs.into_iter().flatten().collect())
    }
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
pub struct CaptchaCheck {
    /// The base64 ALTCHA payload (`{algorithm, challenge, number, salt, signature}`).
    pub payload: String,
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
