//! Send quotas: rolling windows that stop SMS pumping and mail bombing but never a real user.
//!
//! Every send is counted under several keys — the destination, the user, the client's IP and,
//! for SMS, the destination's country — and refused when any key's window is full.

use serde::{Deserialize, Serialize};

use crate::{DomainError, UnixTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Destination,
    User,
    Ip,
    Country,
    /// Failed passwords from one client address, across all users: password spraying.
    FailedPasswordIp,
    /// Failed checks of one user, any factor: the "recent failures" risk signal.
    FailedCheckUser,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Destination => "destination",
            Scope::User => "user",
            Scope::Ip => "ip",
            Scope::Country => "country",
            Scope::FailedPasswordIp => "failed_password_ip",
            Scope::FailedCheckUser => "failed_check_user",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    pub limit: u32,
    pub seconds: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SendQuotas {
    pub per_destination: Vec<Window>,
    pub per_user: Vec<Window>,
    pub per_ip: Vec<Window>,
    /// SMS only: a burst to one country is the signature of toll fraud.
    pub per_country: Vec<Window>,
    /// SMS only: ISO 3166 regions codes may be sent to; empty means any.
    pub sms_countries: Vec<String>,
}

impl Default for SendQuotas {
    // A person signing in needs a handful of codes an hour; a pumping script needs thousands.
    fn default() -> Self {
        let hour = 3600;
        SendQuotas {
            per_destination: vec![
                Window {
                    limit: 5,
                    seconds: hour,
                },
                Window {
                    limit: 10,
                    seconds: 24 * hour,
                },
            ],
            per_user: vec![
                Window {
                    limit: 10,
                    seconds: hour,
                },
                Window {
                    limit: 20,
                    seconds: 24 * hour,
                },
            ],
            per_ip: vec![Window {
                limit: 30,
                seconds: hour,
            }],
            per_country: vec![Window {
                limit: 300,
                seconds: hour,
            }],
            sms_countries: Vec::new(),
        }
    }
}

impl SendQuotas {
    pub fn validate(&self) -> Result<(), DomainError> {
        let windows = [
            &self.per_destination,
            &self.per_user,
            &self.per_ip,
            &self.per_country,
        ];
        if windows
            .iter()
            .flat_map(|w| w.iter())
            .any(|w| w.limit == 0 || !(1..=2_592_000).contains(&w.seconds))
        {
            return Err(DomainError::invalid(
                "quota windows need a limit ≥ 1 and 1 to 2592000 seconds",
            ));
        }
        if self
            .sms_countries
            .iter()
            .any(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()))
        {
            return Err(DomainError::invalid(
                "sms_countries are ISO 3166 codes such as CH",
            ));
        }
        Ok(())
    }

    pub fn windows(&self, scope: Scope) -> &[Window] {
        match scope {
            Scope::Destination => &self.per_destination,
            Scope::User => &self.per_user,
            Scope::Ip => &self.per_ip,
            Scope::Country => &self.per_country,
            Scope::FailedPasswordIp | Scope::FailedCheckUser => &[],
        }
    }

    pub fn allows_country(&self, country: Option<&str>) -> bool {
        self.sms_countries.is_empty()
            || country.is_some_and(|c| self.sms_countries.iter().any(|allowed| allowed == c))
    }
}

/// What the store saw in one window, this send included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowCount {
    pub count: u32,
    /// The oldest send still inside the window.
    pub oldest: UnixTime,
}

/// Seconds until `window` has room again, if it is over its limit.
pub fn retry_after(window: &Window, seen: WindowCount, now: UnixTime) -> Option<u64> {
    (seen.count > window.limit).then(|| {
        seen.oldest
            .plus_seconds(window.seconds)
            .seconds_since(now)
            .max(1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_window_says_when_it_frees_up() {
        let hourly = Window {
            limit: 5,
            seconds: 3600,
        };
        let at_limit = WindowCount {
            count: 5,
            oldest: UnixTime(1000),
        };
        assert_eq!(retry_after(&hourly, at_limit, UnixTime(2000)), None);
        let over = WindowCount {
            count: 6,
            oldest: UnixTime(1000),
        };
        assert_eq!(retry_after(&hourly, over, UnixTime(2000)), Some(2600));
        assert_eq!(retry_after(&hourly, over, UnixTime(4600)), Some(1));
    }

    #[test]
    fn the_country_allowlist_is_open_until_set() {
        let mut quotas = SendQuotas::default();
        assert!(quotas.allows_country(Some("CH")) && quotas.allows_country(None));
        quotas.sms_countries = vec!["CH".into(), "DE".into()];
        assert!(quotas.allows_country(Some("DE")));
        assert!(!quotas.allows_country(Some("KP")) && !quotas.allows_country(None));
        quotas.validate().unwrap();
        quotas.sms_countries = vec!["ch".into()];
        assert!(quotas.validate().is_err());
    }
}
