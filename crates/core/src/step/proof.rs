use crate::Factor;
use crate::secrets::SecretString;
use crate::security_questions::GivenAnswer;

/// One proof a sign-in step carries, in the order a step checks them. `A` is the WebAuthn
/// assertion as the edge parsed it (the domain does not verify it).
#[derive(Debug)]
pub enum Proof<A> {
    Password(SecretString),
    Totp(SecretString),
    OtpSms(SecretString),
    OtpEmail(SecretString),
    Webauthn(A),
    BackupCode(SecretString),
    /// Answers to the questions of a pending exchange.
    SecurityQuestions {
        exchange_id: String,
        answers: Vec<GivenAnswer>,
    },
    /// The push exchange the session waits on; the device's signed answer is the proof.
    Push(String),
}

impl<A> Proof<A> {
    /// The factor the proof is for; a WebAuthn assertion may turn out to be a passkey.
    pub fn factor(&self) -> Factor {
        match self {
            Proof::Password(_) => Factor::Password,
            Proof::Totp(_) => Factor::Totp,
            Proof::OtpSms(_) => Factor::OtpSms,
            Proof::OtpEmail(_) => Factor::OtpEmail,
            Proof::Webauthn(_) => Factor::Webauthn,
            Proof::BackupCode(_) => Factor::BackupCode,
            Proof::SecurityQuestions { .. } => Factor::SecurityQuestions,
            Proof::Push(_) => Factor::Push,
        }
    }
}
