//! Rendering domain values as the JSON of API.md. Admin views show contact points in full;
//! views a signing-in user sees show them masked.

pub use crate::time_text::rfc3339;
use serde_json::{Map, Value, json};
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

pub fn checks(session: &Session) -> Value {
    let mut out = Map::new();
    if let (Some(user_id), Some(at)) = (&session.user_id, session.user_checked_at) {
        out.insert(
            "user".into(),
            json!({"user_id": user_id, "checked_at": rfc3339(at)}),
        );
    }
    for (factor, at) in &session.checks {
        out.insert(check_key(*factor), json!({"checked_at": rfc3339(*at)}));
    }
    Value::Object(out)
}

/// The MFA info of SuperTokens, with the user's contact points masked.
pub fn mfa(info: &MfaInfo, user: Option<&User>, media: &[MaskedContact]) -> Value {
    let show_media = info.first_factor_passed;
    let email = user
        .filter(|u| show_media && u.email_verified)
        .and_then(|u| u.email.as_deref());
    let phone = user
        .filter(|u| show_media && u.phone_verified)
        .and_then(|u| u.phone.as_deref());
    let mut body = json!({
        "satisfied": info.satisfied,
        "mfa_required": info.mfa_required,
        "setup_required": info.setup_required,
        "factors": {
            "next": info.next,
            "already_setup": info.already_setup,
            "allowed_to_setup": info.allowed_to_setup,
        },
        "emails": {"otp-email": email.map(mask::email).into_iter().collect::<Vec<_>>()},
        "phone_numbers": {"otp-sms": phone.map(mask::phone).into_iter().collect::<Vec<_>>()},
    });
    // Every verified contact with its id, for a challenge's `medium_id` (LoginRadius' drop-down).
    let of = |channel: &str| -> Vec<Value> {
        media
            .iter()
            .filter(|m| m.channel == channel)
            .map(|m| json!({"medium_id": m.medium_id, "masked": m.masked}))
            .collect()
    };
    body["media"] = json!({"otp-email": of("email"), "otp-sms": of("sms")});
    // Prompt mode only, so answers elsewhere keep their shape.
    if info.setup_skippable {
        body["setup_skippable"] = json!(true);
    }
    if let Some(until) = info.setup_skipped_until {
        body["setup_skipped_until"] = json!(rfc3339(until));
    }
    body
}
