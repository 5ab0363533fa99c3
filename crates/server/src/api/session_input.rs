//! The JSON a create or update of a session carries, parsed here into the flow's typed step:
//! the user check, the proofs (one `Proof` per factor, in the order a step checks them) and the
//! challenges asked for. Nothing below `api/` sees the wire shape.

use serde::Deserialize;
use twofold_core::secrets::SecretString;
use twofold_core::security_questions::GivenAnswer;
use twofold_core::step::Proof;
use webauthn_rs::prelude::PublicKeyCredential;

use crate::error::Error;
use crate::flows::factors::push::wait::PushWait;
use crate::flows::factors::webauthn::sign_in::{
    UserVerification, WebauthnChallenge, WebauthnCheck,
};
use crate::flows::session_input as flow;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checks {
    user: Option<UserCheck>,
    password: Option<PasswordCheck>,
    totp: Option<CodeCheck>,
    otp_sms: Option<CodeCheck>,
    otp_email: Option<CodeCheck>,
    webauthn: Option<WebauthnCheckBody>,
    backup_code: Option<CodeCheck>,
    security_questions: Option<SecurityQuestionsCheck>,
    push: Option<PushCheck>,
    captcha: Option<CaptchaCheck>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PushCheck {
    exchange_id: String,
    /// Wait up to this long for the device's answer (the long-poll); 0 or absent: answer now.
    #[serde(default)]
    wait_seconds: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserCheck {
    login_name: Option<String>,
    user_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordCheck {
    password: SecretString,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeCheck {
    code: SecretString,
}

/// A solved ALTCHA challenge: the base64 payload `{algorithm, challenge, number, salt, signature}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaptchaCheck {
    payload: String,
}

/// Answers to the questions a `security_questions` challenge asked (its `exchange_id`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecurityQuestionsCheck {
    exchange_id: String,
    answers: Vec<GivenAnswer>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebauthnCheckBody {
    /// The browser's `PublicKeyCredential` from `navigator.credentials.get()`, as JSON.
    credential_assertion: PublicKeyCredential,
}

/// Challenges a request may start: codes by SMS or email, a WebAuthn assertion, the user's
/// security questions, a push.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Challenges {
    otp_sms: Option<CodeChallenge>,
    otp_email: Option<CodeChallenge>,
    webauthn: Option<WebauthnChallengeBody>,
    security_questions: Option<SecurityQuestionsChallenge>,
    push: Option<PushChallenge>,
}

/// `{}`: the questions are the server's choice.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecurityQuestionsChallenge {}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PushChallenge {}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeChallenge {
    #[serde(default)]
    return_code: bool,
    /// Which of the user's verified contacts gets the code (the MFA info lists them).
    medium_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebauthnChallengeBody {
    /// `required` asks even security keys for user verification after a first factor.
    user_verification: Option<String>,
}

/// The flow's step from the wire's checks and challenges.
pub fn step(checks: Checks, challenges: Challenges, admin: bool) -> Result<flow::Step, Error> {
    Ok(flow::Step {
        checks: checks.into_flow(),
        challenges: challenges.into_flow()?,
        admin,
    })
}

impl Checks {
    /// The push the step asks to wait on, if it asks to wait.
    pub fn push_wait(&self) -> Option<PushWait> {
        self.push
            .as_ref()
            .filter(|p| p.wait_seconds > 0)
            .map(|p| PushWait {
                exchange_id: p.exchange_id.clone(),
                seconds: p.wait_seconds,
            })
    }

    /// The proofs in the order a step checks them: first factors before second ones, as the
    /// wire always had them.
    fn into_flow(self) -> flow::Checks {
        let code = |check: Option<CodeCheck>| check.map(|c| c.code);
        let proofs = [
            self.password.map(|p| Proof::Password(p.password)),
            code(self.totp).map(Proof::Totp),
            code(self.otp_sms).map(Proof::OtpSms),
            code(self.otp_email).map(Proof::OtpEmail),
            self.webauthn.map(|w| {
                Proof::Webauthn(WebauthnCheck {
                    credential_assertion: w.credential_assertion,
                })
            }),
            code(self.backup_code).map(Proof::BackupCode),
            self.security_questions.map(|c| Proof::SecurityQuestions {
                exchange_id: c.exchange_id,
                answers: c.answers,
            }),
            self.push.map(|p| Proof::Push(p.exchange_id)),
        ];
        flow::Checks {
            user: self.user.map(|u| flow::UserCheck {
                login_name: u.login_name,
                user_id: u.user_id,
            }),
            proofs: proofs.into_iter().flatten().collect(),
            captcha: self.captcha.map(|c| c.payload),
        }
    }
}

impl Challenges {
    fn into_flow(self) -> Result<flow::Challenges, Error> {
        let code = |asked: Option<CodeChallenge>| {
            asked.map(|c| flow::CodeChallenge {
                return_code: c.return_code,
                medium_id: c.medium_id,
            })
        };
        let webauthn = match self.webauthn {
            Some(asked) => Some(WebauthnChallenge {
                user_verification: asked
                    .user_verification
                    .as_deref()
                    .map(user_verification)
                    .transpose()?,
            }),
            None => None,
        };
        Ok(flow::Challenges {
            otp_sms: code(self.otp_sms),
            otp_email: code(self.otp_email),
            webauthn,
            security_questions: self.security_questions.is_some(),
            push: self.push.map(|_| flow::PushChallenge {}),
        })
    }
}

fn user_verification(asked: &str) -> Result<UserVerification, Error> {
    match asked {
        "required" => Ok(UserVerification::Required),
        "preferred" => Ok(UserVerification::Preferred),
        "discouraged" => Ok(UserVerification::Discouraged),
        _ => Err(Error::InvalidRequest(
            "user_verification may be required, preferred or discouraged".to_owned(),
        )),
    }
}
