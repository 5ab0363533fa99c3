//! What this server can run: factors need more than a tenant's say-so. A code by SMS needs an SMS
//! transport, one by email a mail server, WebAuthn a relying party. The server knows which it has
//! and hands them in; the rules here keep everything else from being offered or enabled.

use crate::{DomainError, Factor};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// An SMS transport is configured.
    pub sms: bool,
    /// A mail transport is configured.
    pub email: bool,
    /// A WebAuthn relying party is known.
    pub webauthn: bool,
}

impl Capabilities {
    /// Everything configured.
    pub const ALL: Capabilities = Capabilities {
        sms: true,
        email: true,
        webauthn: true,
    };

    /// Whether a sign-in on this server can use `factor`: this build runs it and what it needs
    /// is configured.
    pub fn runs(self, factor: Factor) -> bool {
        factor.is_available() && self.missing(factor).is_none()
    }

    /// What `factor` lacks on this server, said for an administrator.
    fn missing(self, factor: Factor) -> Option<&'static str> {
        match factor {
            Factor::OtpSms if !self.sms => Some("no SMS transport is configured"),
            Factor::OtpEmail if !self.email => Some("no email transport is configured"),
            Factor::Webauthn | Factor::Passkey if !self.webauthn => {
                Some("no WebAuthn relying party is configured")
            }
            _ => None,
        }
    }

    /// Refuses to enable `factor` for a user when it could only fail here.
    pub fn ensure_runs(self, factor: Factor) -> Result<(), DomainError> {
        if !factor.is_available() {
            return Err(DomainError::Unsupported(format!(
                "`{factor}` is not supported by this version"
            )));
        }
        match self.missing(factor) {
            Some(why) => Err(DomainError::Unsupported(format!(
                "`{factor}` cannot be used on this server: {why}"
            ))),
            None => Ok(()),
        }
    }

    /// Refuses a list where a factor must work, not merely be offered when it can: a tenant's
    /// first factors and `mfa.require`, a user's required factors. Naming one that cannot run
    /// would lock people out.
    pub fn ensure_all_run(self, what: &str, factors: &[Factor]) -> Result<(), DomainError> {
        match factors
            .iter()
            .find_map(|f| self.missing(*f).map(|why| (f, why)))
        {
            Some((factor, why)) => Err(DomainError::invalid(format!(
                "{what} names `{factor}`, which this server cannot run: {why}"
            ))),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_factor_runs_only_where_what_it_needs_is_configured() {
        let bare = Capabilities {
            sms: false,
            email: false,
            webauthn: false,
        };
        assert!(bare.runs(Factor::Totp) && bare.runs(Factor::BackupCode));
        for factor in [
            Factor::OtpSms,
            Factor::OtpEmail,
            Factor::Webauthn,
            Factor::Passkey,
        ] {
            assert!(!bare.runs(factor), "{factor}");
            assert!(Capabilities::ALL.runs(factor), "{factor}");
            assert!(bare.ensure_runs(factor).is_err());
        }
        let err = bare.ensure_runs(Factor::OtpSms).unwrap_err().to_string();
        assert!(err.contains("no SMS transport"), "{err}");
        assert!(Capabilities::ALL.runs(Factor::SecurityQuestions));
        assert!(Capabilities::ALL.runs(Factor::Push));
        assert!(
            bare.ensure_all_run("first_factors", &[Factor::Password, Factor::Passkey])
                .is_err()
        );
        assert!(
            bare.ensure_all_run("first_factors", &[Factor::Password])
                .is_ok()
        );
    }
}
