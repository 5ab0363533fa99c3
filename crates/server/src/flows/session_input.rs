//! What a create or update of a session may carry: checks, then challenges.

use serde::Deserialize;
use twofold_core::secrets::SecretString;
use twofold_core::security_questions::GivenAnswer;
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
    pub security_questions: Option<SecurityQuestionsCheck>,
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
            self.security_questions.map(|c| Proof::SecurityQuestions {
                exchange_id: c.exchange_id,
                answers: c.answers,
            }),
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
pub struct CodeCheck {
    pub code: SecretString,
}

/// Answers to the questions a `security_questions` challenge asked (its `exchange_id`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityQuestionsCheck {
    pub exchange_id: String,
    pub answers: Vec<GivenAnswer>,
}

/// Challenges a request may start: codes by SMS or email, a WebAuthn assertion.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Challenges {
    pub otp_sms: Option<CodeChallenge>,
    pub otp_email: Option<CodeChallenge>,
    pub webauthn: Option<WebauthnChallenge>,
    pub security_questions: Option<SecurityQuestionsChallenge>,
}

/// Asks the user's security questions: `{}`, nothing to choose.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityQuestionsChallenge {}

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
