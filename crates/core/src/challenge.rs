//! Challenges for codes sent by SMS or email: what was sent, until when it counts, how many tries
//! are left. The code itself is only ever held as a keyed hash.

use crate::secrets::TokenHash;
use crate::settings::OtpPolicy;
use crate::{Factor, UnixTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Sms,
    Email,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
        }
    }

    pub fn parse(name: &str) -> Option<Channel> {
        [Channel::Sms, Channel::Email]
            .into_iter()
            .find(|c| c.as_str() == name)
    }

    /// The sign-in factor a code on this channel proves.
    pub fn factor(self) -> Factor {
        match self {
            Channel::Sms => Factor::OtpSms,
            Channel::Email => Factor::OtpEmail,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// Proving a phone number or email address belongs to the user.
    VerifyContact,
    /// A second factor in a sign-in.
    SignIn,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyContact => "verify_contact",
            Purpose::SignIn => "sign_in",
        }
    }

    pub fn parse(name: &str) -> Option<Purpose> {
        [Purpose::VerifyContact, Purpose::SignIn]
            .into_iter()
            .find(|p| p.as_str() == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The exchange id.
    pub id: String,
    pub tenant_id: String,
    pub user_id: String,
    pub channel: Channel,
    pub purpose: Purpose,
    /// E.164 number or email address the code went to.
    pub destination: String,
    pub code_hash: TokenHash,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    pub attempts_left: u32,
}

impl Challenge {
    pub fn is_expired(&self, now: UnixTime) -> bool {
        now >= self.expires_at
    }
}

/// A code of `digits` decimal digits from 8 random bytes (the modulo bias is below 10⁻¹¹).
pub fn numeric_code(random: &[u8; 8], digits: u32) -> String {
    let digits = digits.clamp(4, 9);
    let value = u64::from_be_bytes(*random) % 10u64.pow(digits);
    format!("{value:0width$}", width = digits as usize)
}

/// Seconds to wait before another code may be sent on a channel, if any: one live challenge per
/// user and channel, and a new one only after the cooldown.
pub fn resend_wait(policy: &OtpPolicy, last_sent: Option<UnixTime>, now: UnixTime) -> Option<u64> {
    let last = last_sent?;
    let elapsed = now.seconds_since(last);
    (elapsed < policy.resend_cooldown_seconds).then(|| policy.resend_cooldown_seconds - elapsed)
}

/// The hash domain of a challenge's code: bound to the challenge, so a code never matches
/// another challenge, even for the same user.
pub fn code_domain(challenge_id: &str) -> String {
    format!("challenge-code:{challenge_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_exactly_the_digits_asked_for() {
        assert_eq!(numeric_code(&[0; 8], 6), "000000");
        assert_eq!(numeric_code(&[255; 8], 6).len(), 6);
        assert_eq!(numeric_code(&[1, 2, 3, 4, 5, 6, 7, 8], 8).len(), 8);
        assert!(numeric_code(&[9; 8], 6).bytes().all(|b| b.is_ascii_digit()));
    }

    #[test]
    fn a_resend_waits_for_the_cooldown() {
        let policy = OtpPolicy::default();
        assert_eq!(resend_wait(&policy, None, UnixTime(100)), None);
        assert_eq!(
            resend_wait(&policy, Some(UnixTime(100)), UnixTime(100)),
            Some(30)
        );
        assert_eq!(
            resend_wait(&policy, Some(UnixTime(100)), UnixTime(129)),
            Some(1)
        );
        assert_eq!(
            resend_wait(&policy, Some(UnixTime(100)), UnixTime(130)),
            None
        );
    }

    #[test]
    fn names_round_trip() {
        for channel in [Channel::Sms, Channel::Email] {
            assert_eq!(Channel::parse(channel.as_str()), Some(channel));
        }
        for purpose in [Purpose::VerifyContact, Purpose::SignIn] {
            assert_eq!(Purpose::parse(purpose.as_str()), Some(purpose));
        }
        assert_eq!(Channel::Email.factor(), Factor::OtpEmail);
    }
}
