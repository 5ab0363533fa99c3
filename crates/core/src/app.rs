//! Apps: OAuth clients, with the redirect URIs they may use and their own MFA policy.

use serde::{Deserialize, Serialize};

use crate::names;
use crate::requirement::Requirement;
use crate::secrets::TokenHash;
use crate::{DomainError, Factor, UnixTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AppMfaMode {
    /// The tenant's and the user's settings decide.
    #[default]
    Off,
    /// Every sign-in to the app needs a second factor.
    Always,
    /// A second factor when the last one is older than `period_seconds`.
    TimeBased,
    /// A second factor when the risk score reaches `risk_threshold`.
    Smart,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct AppMfa {
    pub mode: AppMfaMode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk_threshold: Option<u8>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::settings::requirement_json"
    )]
    pub require: Option<Requirement>,
    /// Second factors this app accepts; empty means the tenant's.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_factors: Vec<Factor>,
    /// First factors for sign-ins to this app; empty means the tenant's
    /// (`first_factor::settings_for_app`): the checks a session started for the app accepts, and
    /// what its precheck counts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub first_factors: Vec<Factor>,
    /// Whether sign-ins to this app ignore trusted devices and may not trust new ones.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub forbid_trusted_devices: bool,
}

impl AppMfa {
    pub fn validate(&self) -> Result<(), DomainError> {
        match (self.mode, self.period_seconds, self.risk_threshold) {
            (AppMfaMode::TimeBased, Some(period), None) if (60..=31_536_000).contains(&period) => {}
            (AppMfaMode::TimeBased, ..) => {
                return Err(DomainError::invalid(
                    "mfa: time_based needs period_seconds (60 to 31536000) and nothing else",
                ));
            }
            (AppMfaMode::Smart, None, Some(threshold)) if threshold <= 100 => {}
            (AppMfaMode::Smart, ..) => {
                return Err(DomainError::invalid(
                    "mfa: smart needs risk_threshold (0 to 100) and nothing else",
                ));
            }
            (AppMfaMode::Off | AppMfaMode::Always, None, None) => {}
            _ => {
                return Err(DomainError::invalid(
                    "mfa: period_seconds and risk_threshold belong to time_based and smart",
                ));
            }
        }
        if let Some(f) = self.first_factors.iter().find(|f| !f.is_first_factor()) {
            return Err(DomainError::invalid(format!(
                "mfa.first_factors: `{f}` cannot open a sign-in"
            )));
        }
        if self.first_factors == [Factor::Totp] {
            return Err(DomainError::invalid(
                "mfa.first_factors must list password or passkey beside totp",
            ));
        }
        if let Some(f) = self.allowed_factors.iter().find(|f| !f.is_second_factor()) {
            return Err(DomainError::invalid(format!(
                "mfa.allowed_factors: `{f}` is not a second factor"
            )));
        }
        if let Some(f) = self
            .require
            .as_ref()
            .map(Requirement::factors)
            .unwrap_or_default()
            .into_iter()
            .find(|f| !self.allowed_factors.is_empty() && !self.allowed_factors.contains(f))
        {
            return Err(DomainError::invalid(format!(
                "mfa.require names `{f}`, which the app does not allow"
            )));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    pub client_id: String,
    pub tenant_id: String,
    pub name: String,
    /// Public clients (SPAs, native apps) have no secret and must use PKCE.
    pub public: bool,
    pub secret_hash: Option<TokenHash>,
    pub redirect_uris: Vec<String>,
    /// Where the authorize endpoint sends people to sign in with a custom UI.
    pub login_url: Option<String>,
    pub mfa: AppMfa,
    pub created_at: UnixTime,
    pub updated_at: UnixTime,
}

/// App names are shown to people signing in, so they must read as what they are.
pub fn normalise_name(raw: &str) -> Result<String, DomainError> {
    let name = names::normalise_display_name(raw);
    if name.is_empty() || name.chars().count() > 200 {
        return Err(DomainError::invalid(
            "name must have 1 to 200 printable characters",
        ));
    }
    names::check_readable(&name, "name")?;
    Ok(name)
}

/// Redirect URIs are compared exactly, so they are checked strictly when registered: https, or
/// http on the loopback address (RFC 8252 §7.3), or a private-use scheme with a dot
/// (`com.example.app:/cb`, §7.1); never a fragment, never whitespace.
pub fn check_redirect_uri(uri: &str) -> Result<(), DomainError> {
    let refused = |why: &str| DomainError::invalid(format!("redirect URI `{uri}` {why}"));
    if uri.is_empty()
        || uri.len() > 2000
        || uri.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(refused("must be 1 to 2000 characters without spaces"));
    }
    if uri.contains('#') {
        return Err(refused("must not have a fragment"));
    }
    let Some((scheme, rest)) = uri.split_once(':') else {
        return Err(refused("must be absolute"));
    };
    match scheme {
        "https" => {
            let host = authority(rest).ok_or_else(|| refused("must name a host"))?;
            if host.is_empty() {
                return Err(refused("must name a host"));
            }
            Ok(())
        }
        "http" => match authority(rest) {
            Some(host) if is_loopback(host) => Ok(()),
            _ => Err(refused(
                "may use http only on localhost or a loopback address",
            )),
        },
        custom
            if custom.contains('.')
                && custom
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".+-".contains(c)) =>
        {
            Ok(())
        }
        _ => Err(refused(
            "must use https, http on loopback, or a reverse-DNS private scheme",
        )),
    }
}

/// The host of `//host[:port]/…`, without the port.
fn authority(rest: &str) -> Option<&str> {
    let after = rest.strip_prefix("//")?;
    let end = after.find(['/', '?']).unwrap_or(after.len());
    let authority = &after[..end];
    if authority.contains('@') {
        return None;
    }
    Some(match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    })
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host == "::1" || host.starts_with("127.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redirect_uris_are_checked_strictly() {
        for good in [
            "https://app.example.com/callback",
            "https://app.example.com:8443/cb?x=1",
            "http://localhost:3000/cb",
            "http://127.0.0.1/cb",
            "http://[::1]:8080/cb",
            "com.example.app:/oauth2redirect",
        ] {
            assert!(check_redirect_uri(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "/relative",
            "http://app.example.com/cb",
            "https://app.example.com/cb#frag",
            "https:///nohost",
            "https://user@evil.example/cb",
            "javascript:alert(1)",
            "https://app.example.com/a b",
            "myapp:/cb",
        ] {
            assert!(check_redirect_uri(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn app_mfa_modes_take_exactly_their_parameters() {
        let ok = |v: serde_json::Value| serde_json::from_value::<AppMfa>(v).unwrap().validate();
        assert!(ok(json!({"mode": "always"})).is_ok());
        assert!(ok(json!({"mode": "time_based", "period_seconds": 3600})).is_ok());
        assert!(ok(json!({"mode": "smart", "risk_threshold": 50})).is_ok());
        assert!(ok(json!({"mode": "time_based"})).is_err());
        assert!(ok(json!({"mode": "smart", "risk_threshold": 101})).is_err());
        assert!(ok(json!({"mode": "always", "period_seconds": 60})).is_err());
        assert!(ok(json!({"allowed_factors": ["password"]})).is_err());
        assert!(ok(json!({"allowed_factors": ["totp"], "require": "otp-sms"})).is_err());
        assert!(serde_json::from_value::<AppMfa>(json!({"mode": "sometimes"})).is_err());
        assert!(serde_json::from_value::<AppMfa>(json!({"colour": 1})).is_err());
    }
}
