//! The kinds of proof a person can give.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Factor {
    Password,
    Totp,
    OtpSms,
    OtpEmail,
    /// A security key used as a second factor.
    Webauthn,
    /// A discoverable WebAuthn credential with user verification: passwordless and multi-factor.
    Passkey,
    BackupCode,
    SecurityQuestions,
    Push,
}

impl Factor {
    pub const ALL: [Factor; 9] = [
        Factor::Password,
        Factor::Totp,
        Factor::OtpSms,
        Factor::OtpEmail,
        Factor::Webauthn,
        Factor::Passkey,
        Factor::BackupCode,
        Factor::SecurityQuestions,
        Factor::Push,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Factor::Password => "password",
            Factor::Totp => "totp",
            Factor::OtpSms => "otp-sms",
            Factor::OtpEmail => "otp-email",
            Factor::Webauthn => "webauthn",
            Factor::Passkey => "passkey",
            Factor::BackupCode => "backup-code",
            Factor::SecurityQuestions => "security-questions",
            Factor::Push => "push",
        }
    }

    /// Factors that can open a sign-in on their own. TOTP can where a tenant or app lists it in
    /// `first_factors` (off by default; see `first_factor`).
    pub fn is_first_factor(self) -> bool {
        matches!(self, Factor::Password | Factor::Passkey | Factor::Totp)
    }

    /// Factors that can satisfy a second-factor requirement.
    pub fn is_second_factor(self) -> bool {
        !matches!(self, Factor::Password)
    }

    /// A passkey with user verification is possession plus inherence/knowledge in one step.
    pub fn is_multi_factor(self) -> bool {
        matches!(self, Factor::Passkey)
    }

    /// Knowledge again, on top of a password: never a second *kind* of proof. A weak factor
    /// counts where a tenant, app or requirement accepts it, but never makes a sign-in
    /// multi-factor on its own (no `mfa` amr, no `mfa`-level acr; see `acr::counting_for_level`).
    pub fn is_weak(self) -> bool {
        matches!(self, Factor::SecurityQuestions)
    }

    /// Whether this build can enrol and check the factor. Factors still to come are part of the
    /// model (settings and requirements may name them) but are never offered to a user.
    pub fn is_available(self) -> bool {
        matches!(
            self,
            Factor::Password
                | Factor::Totp
                | Factor::BackupCode
                | Factor::OtpSms
                | Factor::OtpEmail
                | Factor::Webauthn
                | Factor::Passkey
                | Factor::SecurityQuestions
                | Factor::Push
        )
    }

    /// Whether a user may hold several authenticators of this factor at once.
    pub fn allows_several(self) -> bool {
        matches!(self, Factor::Totp | Factor::Webauthn | Factor::Passkey)
    }

    /// RFC 8176 authentication method reference values for a passed check.
    pub fn amr(self) -> &'static [&'static str] {
        match self {
            Factor::Password => &["pwd"],
            Factor::Totp => &["otp"],
            Factor::OtpSms => &["sms"],
            // RFC 8176 has no value for email; a code is a code.
            Factor::OtpEmail => &["otp"],
            Factor::Webauthn => &["hwk"],
            Factor::Passkey => &["hwk", "user"],
            Factor::BackupCode => &["otp"],
            Factor::SecurityQuestions => &["kba"],
            Factor::Push => &["swk"],
        }
    }
}

impl fmt::Display for Factor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Factor {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Factor::ALL
            .into_iter()
            .find(|factor| factor.as_str() == s)
            .ok_or_else(|| DomainError::invalid(format!("unknown factor `{s}`")))
    }
}

impl Serialize for Factor {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Factor {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_factor_round_trips_through_its_name() {
        for factor in Factor::ALL {
            assert_eq!(factor.as_str().parse::<Factor>(), Ok(factor));
        }
        assert!("sms".parse::<Factor>().is_err());
    }
}
