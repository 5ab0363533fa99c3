//! Devices a user signed in from, and the networks they came from: the memory SMART mode and
//! time-based mode read. A trusted device lowers risk; it is never a factor.

use std::net::IpAddr;

use crate::UnixTime;
use crate::app::AppMfa;
use crate::settings::OidcPolicy;

/// A browser that completed a satisfied sign-in, known by an opaque cookie whose hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: String,
    pub tenant_id: String,
    pub user_id: String,
    /// Until when the user chose to trust it; `None` when they did not.
    pub trusted_until: Option<UnixTime>,
    /// The last second factor passed in a sign-in from this device.
    pub last_second_factor_at: Option<UnixTime>,
    pub created_at: UnixTime,
    pub last_seen_at: UnixTime,
}

impl Device {
    pub fn is_trusted(&self, now: UnixTime) -> bool {
        self.trusted_until.is_some_and(|until| now < until)
    }

    /// After a satisfied sign-in: seen now, a second factor of this sign-in remembered, and trust
    /// granted for `trust_for` seconds when the user asked and policy allows.
    pub fn after_sign_in(
        &mut self,
        now: UnixTime,
        second_factor_at: Option<UnixTime>,
        trust_for: Option<u64>,
    ) {
        self.last_seen_at = now;
        self.last_second_factor_at = self.last_second_factor_at.max(second_factor_at);
        if let Some(seconds) = trust_for {
            self.trusted_until = Some(now.plus_seconds(seconds));
        }
    }
}

/// How long a device may be trusted in sign-ins to this app, or `None` where trust is off (the
/// tenant's lifetime is 0) or the app forbids it. Where it is `None`, a trusted device also counts
/// as unknown.
pub fn trust_lifetime(policy: &OidcPolicy, app: &AppMfa) -> Option<u64> {
    (policy.trusted_device_lifetime > 0 && !app.forbid_trusted_devices)
        .then_some(policy.trusted_device_lifetime)
}

/// The network an address belongs to for "new network" risk: its /24 (IPv4) or /48 (IPv6), so a
/// home router's changing address is still the same place.
pub fn network_of(ip: &str) -> Option<String> {
    match ip.trim().parse::<IpAddr>().ok()? {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            Some(format!("{a}.{b}.{c}.0/24"))
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => network_of(&v4.to_string()),
            None => {
                let s = v6.segments();
                Some(format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2]))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_fold_into_their_networks() {
        assert_eq!(network_of("192.0.2.77").as_deref(), Some("192.0.2.0/24"));
        assert_eq!(
            network_of("::ffff:192.0.2.1").as_deref(),
            Some("192.0.2.0/24")
        );
        assert_eq!(
            network_of("2001:db8:abcd:12::1").as_deref(),
            Some("2001:db8:abcd::/48")
        );
        assert_eq!(network_of("not an address"), None);
    }

    #[test]
    fn trust_is_off_where_the_tenant_or_the_app_says_so() {
        let policy = OidcPolicy::default();
        let app = AppMfa::default();
        assert_eq!(
            trust_lifetime(&policy, &app),
            Some(policy.trusted_device_lifetime)
        );
        let forbidding = AppMfa {
            forbid_trusted_devices: true,
            ..AppMfa::default()
        };
        assert_eq!(trust_lifetime(&policy, &forbidding), None);
        let off = OidcPolicy {
            trusted_device_lifetime: 0,
            ..OidcPolicy::default()
        };
        assert_eq!(trust_lifetime(&off, &app), None);
    }

    #[test]
    fn trust_lasts_its_lifetime_and_second_factors_only_move_forward() {
        let mut device = Device {
            id: "d".into(),
            tenant_id: "t".into(),
            user_id: "u".into(),
            trusted_until: None,
            last_second_factor_at: Some(UnixTime(50)),
            created_at: UnixTime(0),
            last_seen_at: UnixTime(0),
        };
        assert!(!device.is_trusted(UnixTime(100)));
        device.after_sign_in(UnixTime(100), Some(UnixTime(40)), Some(60));
        assert_eq!(device.last_second_factor_at, Some(UnixTime(50)));
        assert!(device.is_trusted(UnixTime(159)));
        assert!(!device.is_trusted(UnixTime(160)));
    }
}
