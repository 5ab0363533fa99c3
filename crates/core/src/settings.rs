//! Tenant login settings: which factors, when MFA applies, how long checks count, lockout, OTP.

use serde::{Deserialize, Serialize};

use crate::acr::{self, AcrLevel};
use crate::capabilities::Capabilities;
use crate::lockout::LockoutPolicy;
use crate::push::PushPolicy;
use crate::quota::SendQuotas;
use crate::requirement::{PassedChecks, Requirement};
use crate::security_questions::SecurityQuestionsPolicy;
use crate::webauthn::WebauthnPolicy;
use crate::{DomainError, Factor};

mod patch;
pub use patch::merge_patch;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoginSettings {
    pub first_factors: Vec<Factor>,
    pub second_factors: Vec<Factor>,
    pub mfa: MfaPolicy,
    pub password_check_lifetime: u64,
    pub second_factor_check_lifetime: u64,
    pub multi_factor_check_lifetime: u64,
    /// How long a user who is not forced to use MFA may postpone setting it up when prompted.
    pub mfa_init_skip_lifetime: u64,
    /// How long a session lives after its last update.
    pub session_lifetime: u64,
    pub lockout: LockoutPolicy,
    pub otp: OtpPolicy,
    pub send_quotas: SendQuotas,
    pub oidc: OidcPolicy,
    pub webauthn: WebauthnPolicy,
    pub security_questions: SecurityQuestionsPolicy,
    pub push: PushPolicy,
}

impl Default for LoginSettings {
    // Lifetimes follow ZITADEL's defaults: 10 days, 18 hours, 12 hours, 30 days.
    fn default() -> Self {
        LoginSettings {
            first_factors: vec![Factor::Password],
            // Every factor this version runs: a server offers those it can deliver (see
            // `Capabilities`), so security keys and passkeys are on wherever a relying party is
            // known, and codes by SMS or email wherever a transport is configured.
            second_factors: vec![
                Factor::Totp,
                Factor::Webauthn,
                Factor::Passkey,
                Factor::OtpEmail,
                Factor::OtpSms,
                Factor::BackupCode,
            ],
            mfa: MfaPolicy::default(),
            password_check_lifetime: 864_000,
            second_factor_check_lifetime: 64_800,
            multi_factor_check_lifetime: 43_200,
            mfa_init_skip_lifetime: 2_592_000,
            session_lifetime: 86_400,
            lockout: LockoutPolicy::default(),
            otp: OtpPolicy::default(),
            send_quotas: SendQuotas::default(),
            oidc: OidcPolicy::default(),
            webauthn: WebauthnPolicy::default(),
            security_questions: SecurityQuestionsPolicy::default(),
            push: PushPolicy::default(),
        }
    }
}

/// The OpenID provider's part: acr levels, token lifetimes, trusted devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OidcPolicy {
    pub acr_levels: Vec<AcrLevel>,
    pub code_lifetime: u64,
    pub access_token_lifetime: u64,
    pub id_token_lifetime: u64,
    pub refresh_token_lifetime: u64,
    /// How long a device the user chose to trust stays trusted; 0 turns trusted devices off.
    pub trusted_device_lifetime: u64,
}

impl Default for OidcPolicy {
    fn default() -> Self {
        OidcPolicy {
            acr_levels: acr::default_levels(),
            code_lifetime: 60,
            access_token_lifetime: 600,
            id_token_lifetime: 600,
            refresh_token_lifetime: 2_592_000,
            trusted_device_lifetime: 2_592_000,
        }
    }
}

impl OidcPolicy {
    fn validate(&self) -> Result<(), DomainError> {
        acr::validate(&self.acr_levels)?;
        // Signed tokens must expire before a retired key leaves the JWKS (a day).
        for (name, value, max) in [
            ("oidc.code_lifetime", self.code_lifetime, 600),
            (
                "oidc.access_token_lifetime",
                self.access_token_lifetime,
                86_400,
            ),
            ("oidc.id_token_lifetime", self.id_token_lifetime, 86_400),
            (
                "oidc.refresh_token_lifetime",
                self.refresh_token_lifetime,
                31_536_000,
            ),
        ] {
            if value < 10 || value > max {
                return Err(DomainError::invalid(format!(
                    "{name} must be 10 to {max} seconds"
                )));
            }
        }
        if self.trusted_device_lifetime > 31_536_000 {
            return Err(DomainError::invalid(
                "oidc.trusted_device_lifetime must be at most 31536000 seconds",
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TenantMfaMode {
    /// MFA only for users who enabled it or have required factors.
    #[default]
    Off,
    /// Every sign-in needs a second factor.
    Always,
    /// As `off`, but a user with no second factor is asked to set one up at sign-in and may skip;
    /// a skip holds for `mfa_init_skip_lifetime` (ZITADEL's login policy).
    Prompt,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MfaPolicy {
    pub mode: TenantMfaMode,
    /// What must hold whenever MFA applies; by default any one of the user's second factors.
    #[serde(skip_serializing_if = "Option::is_none", with = "requirement_json")]
    pub require: Option<Requirement>,
    /// A second factor a person set up is their opt-in: it is asked at every sign-in, as if
    /// `mfa_enabled` were set (Keycloak's "user configured", ZITADEL's login). Backup codes are a
    /// fallback, not an opt-in. `false` leaves MFA to the mode, `mfa_enabled` and required factors.
    pub enrolled_factors_required: bool,
}

impl Default for MfaPolicy {
    fn default() -> Self {
        MfaPolicy {
            mode: TenantMfaMode::default(),
            require: None,
            enrolled_factors_required: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OtpPolicy {
    pub digits: u32,
    pub ttl_seconds: u64,
    pub max_attempts: u32,
    pub resend_cooldown_seconds: u64,
    /// Whether a caller with only a session token may ask for a code to be returned instead of
    /// sent (`return_code`); the admin token always may. For UIs that deliver codes themselves.
    pub allow_return_code: bool,
}

impl Default for OtpPolicy {
    fn default() -> Self {
        OtpPolicy {
            digits: 6,
            ttl_seconds: 300,
            max_attempts: 5,
            resend_cooldown_seconds: 30,
            allow_return_code: false,
        }
    }
}

impl OtpPolicy {
    /// A code may be handed to the caller instead of sent: always to the admin token, to anyone
    /// else only where the tenant allows it.
    pub fn may_return_code(&self, admin: bool) -> bool {
        admin || self.allow_return_code
    }
}

impl LoginSettings {
    /// Valid, and able to work on a server that runs `server`. Second factors are a menu: one the
    /// server cannot run is simply not offered. First factors and the tenant's requirement must
    /// run, or nobody could sign in.
    pub fn validate_on(&self, server: Capabilities) -> Result<(), DomainError> {
        self.validate()?;
        server.ensure_all_run("first_factors", &self.first_factors)?;
        if let Some(require) = &self.mfa.require {
            server.ensure_all_run("mfa.require", &require.factors())?;
        }
        Ok(())
    }

    pub fn validate(&self) -> Result<(), DomainError> {
        if self.first_factors.is_empty() || self.first_factors.iter().any(|f| !f.is_first_factor())
        {
            return Err(DomainError::invalid(
                "first_factors must list password, passkey and/or totp",
            ));
        }
        if self.first_factors.contains(&Factor::Totp) {
            // TOTP opens a sign-in only for those who set it up, as a second factor; everyone
            // else needs a way in too.
            if !self.second_factors.contains(&Factor::Totp) {
                return Err(DomainError::invalid(
                    "first_factors names totp, which needs totp in second_factors to be set up",
                ));
            }
            if !self.first_factors.iter().any(|f| *f != Factor::Totp) {
                return Err(DomainError::invalid(
                    "first_factors must list password or passkey beside totp",
                ));
            }
        }
        if let Some(f) = self.second_factors.iter().find(|f| !f.is_second_factor()) {
            return Err(DomainError::invalid(format!(
                "`{f}` cannot be a second factor"
            )));
        }
        for (name, value) in [
            ("password_check_lifetime", self.password_check_lifetime),
            (
                "second_factor_check_lifetime",
                self.second_factor_check_lifetime,
            ),
            (
                "multi_factor_check_lifetime",
                self.multi_factor_check_lifetime,
            ),
            ("session_lifetime", self.session_lifetime),
        ] {
            if value == 0 || value > 31_536_000 {
                return Err(DomainError::invalid(format!(
                    "{name} must be 1 to 31536000 seconds"
                )));
            }
        }
        if self.mfa_init_skip_lifetime > 31_536_000 {
            return Err(DomainError::invalid(
                "mfa_init_skip_lifetime must be at most 31536000 seconds",
            ));
        }
        let required = self
            .mfa
            .require
            .as_ref()
            .map(Requirement::factors)
            .unwrap_or_default();
        if let Some(f) = required.iter().find(|f| !self.second_factors.contains(f)) {
            return Err(DomainError::invalid(format!(
                "mfa.require names `{f}`, which is not in second_factors"
            )));
        }
        self.lockout.validate()?;
        self.send_quotas.validate()?;
        self.oidc.validate()?;
        self.webauthn.validate()?;
        self.security_questions
            .validate(self.second_factors.contains(&Factor::SecurityQuestions))?;
        self.push.validate()?;
        let otp = &self.otp;
        if !(6..=8).contains(&otp.digits) || !(30..=3600).contains(&otp.ttl_seconds) {
            return Err(DomainError::invalid(
                "otp.digits must be 6-8 and otp.ttl_seconds 30-3600",
            ));
        }
        if !(1..=10).contains(&otp.max_attempts) || otp.resend_cooldown_seconds > 3600 {
            return Err(DomainError::invalid(
                "otp.max_attempts must be 1-10 and resend cooldown ≤ 3600",
            ));
        }
        Ok(())
    }

    /// Whether one of the tenant's first factors is among the checks that still count.
    pub fn first_factor_passed(&self, passed: &PassedChecks) -> bool {
        self.first_factors.iter().any(|f| passed.contains_key(f))
    }

    /// How long a passed check of `factor` counts.
    pub fn lifetime_of(&self, factor: Factor) -> u64 {
        if factor.is_multi_factor() {
            self.multi_factor_check_lifetime
        } else if factor == Factor::Password {
            self.password_check_lifetime
        } else {
            self.second_factor_check_lifetime
        }
    }
}

pub(crate) mod requirement_json {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::Value;

    use crate::requirement::Requirement;

    pub fn serialize<S: Serializer>(value: &Option<Requirement>, s: S) -> Result<S::Ok, S::Error> {
        value.as_ref().map(Requirement::to_json).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Requirement>, D::Error> {
        match Option::<Value>::deserialize(d)? {
            None => Ok(None),
            Some(value) => Requirement::parse(&value)
                .map(Some)
                .map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests;
