//! Rendering domain values as the JSON of API.md. Admin views show contact points in full;
//! views a signing-in user sees show them masked.

pub use crate::time_text::rfc3339;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::{Value, json};
use twofold_core::Factor;
use twofold_core::authenticator::Authenticator;
use twofold_core::contacts::MaskedContact;
use twofold_core::lockout::Counter;
use twofold_core::mask;
use twofold_core::mfa_info::MfaInfo;
use twofold_core::session::Session;
use twofold_core::user::User;

fn counter(c: Counter) -> Value {
    json!({
        "failures": c.failures,
        "consecutive_failures": c.run,
        "lockouts": c.lockouts,
        "locked": c.lock != Default::default(),
        "locked_until": c.lock.until().map(rfc3339),
    })
}

pub fn user(u: &User) -> Value {
    json!({
        "id": u.id,
        "username": u.username,
        "email": u.email,
        "email_verified": u.email_verified,
        "phone": u.phone,
        "phone_verified": u.phone_verified,
        "language": u.language,
        "has_password": u.password_hash.is_some(),
        "mfa_enabled": u.mfa_enabled,
        "required_factors": u.required_factors,
        "lockout": {"second_factor": counter(u.second_factor), "password": counter(u.password)},
        "created_at": rfc3339(u.created_at),
        "updated_at": rfc3339(u.updated_at),
    })
}

pub fn authenticator(a: &Authenticator) -> Value {
    json!({
        "id": a.id,
        "factor": a.factor,
        "name": a.name,
        "state": a.state.as_str(),
        "created_at": rfc3339(a.created_at),
        "last_used_at": a.last_used_at.map(rfc3339),
    })
}

/// The key a factor's check has in request and response bodies (`backup-code` → `backup_code`).
pub fn check_key(factor: Factor) -> String {
    factor.as_str().replace('-', "_")
}

/// A session's checks as its view shows them, written straight from the session: every sign-in
/// step answers with them, and building a `Value` first was allocation on the hot path.
pub struct ChecksOf<'a>(pub &'a Session);

impl Serialize for ChecksOf<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct UserChecked<'a> {
            user_id: &'a str,
            checked_at: String,
        }
        #[derive(Serialize)]
        struct Checked {
            checked_at: String,
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            user_verified: bool,
        }
        let session = self.0;
        let mut map = serializer.serialize_map(None)?;
        if let (Some(user_id), Some(at)) = (&session.user_id, session.user_checked_at) {
            let user = UserChecked {
                user_id,
                checked_at: rfc3339(at),
            };
            map.serialize_entry("user", &user)?;
        }
        for (factor, check) in &session.checks {
            let checked = Checked {
                checked_at: rfc3339(check.at),
                user_verified: check.user_verified,
            };
            map.serialize_entry(&check_key(*factor), &checked)?;
        }
        map.end()
    }
}

/// The MFA info of SuperTokens, with the user's contact points masked.
pub fn mfa<'a>(info: &'a MfaInfo, user: Option<&'a User>, media: &'a [MaskedContact]) -> Mfa<'a> {
    let show_media = info.first_factor_passed;
    let email = user
        .filter(|u| show_media && u.email_verified)
        .and_then(|u| u.email.as_deref());
    let phone = user
        .filter(|u| show_media && u.phone_verified)
        .and_then(|u| u.phone.as_deref());
    Mfa {
        satisfied: info.satisfied,
        mfa_required: info.mfa_required,
        setup_required: info.setup_required,
        factors: MfaFactors {
            next: &info.next,
            already_setup: &info.already_setup,
            allowed_to_setup: &info.allowed_to_setup,
        },
        emails: Emails {
            otp_email: email.map(mask::email),
        },
        phone_numbers: PhoneNumbers {
            otp_sms: phone.map(mask::phone),
        },
        // Every verified contact with its id, for a challenge's `medium_id` (LoginRadius'
        // drop-down).
        media: Media {
            otp_email: MediaOf(media, "email"),
            otp_sms: MediaOf(media, "sms"),
        },
        // Prompt mode only, so answers elsewhere keep their shape.
        setup_skippable: info.setup_skippable,
        setup_skipped_until: info.setup_skipped_until.map(rfc3339),
    }
}

/// [`mfa`]'s answer, serialised as API.md shows it (in this field order).
#[derive(Serialize)]
pub struct Mfa<'a> {
    satisfied: bool,
    mfa_required: bool,
    setup_required: bool,
    factors: MfaFactors<'a>,
    emails: Emails,
    phone_numbers: PhoneNumbers,
    media: Media<'a>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    setup_skippable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    setup_skipped_until: Option<String>,
}

#[derive(Serialize)]
struct MfaFactors<'a> {
    next: &'a [Factor],
    already_setup: &'a [Factor],
    allowed_to_setup: &'a [Factor],
}

/// `{"otp-email": []}` or with the one masked address.
#[derive(Serialize)]
struct Emails {
    #[serde(rename = "otp-email", serialize_with = "as_list")]
    otp_email: Option<String>,
}

#[derive(Serialize)]
struct PhoneNumbers {
    #[serde(rename = "otp-sms", serialize_with = "as_list")]
    otp_sms: Option<String>,
}

fn as_list<S: Serializer>(value: &Option<String>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(value.as_slice())
}

#[derive(Serialize)]
struct Media<'a> {
    #[serde(rename = "otp-email")]
    otp_email: MediaOf<'a>,
    #[serde(rename = "otp-sms")]
    otp_sms: MediaOf<'a>,
}

/// The contacts of one channel, as `{"medium_id", "masked"}` objects.
struct MediaOf<'a>(&'a [MaskedContact], &'static str);

impl Serialize for MediaOf<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Medium<'a> {
            medium_id: &'a str,
            masked: &'a str,
        }
        let MediaOf(media, channel) = *self;
        serializer.collect_seq(
            media
                .iter()
                .filter(|m| m.channel == channel)
                .map(|m| Medium {
                    medium_id: &m.medium_id,
                    masked: &m.masked,
                }),
        )
    }
}
