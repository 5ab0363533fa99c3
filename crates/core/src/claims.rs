//! Which user claims a token or the userinfo answer carries, by scope (OpenID Connect Core §5.4).

use serde_json::{Map, Value, json};

use crate::user::User;

/// The user claims `scope` releases, beside `sub`. Unverified contact points are given with
/// `*_verified: false`, never passed off as proven.
pub fn user_claims(user: &User, scope: &[String]) -> Map<String, Value> {
    let has = |s: &str| scope.iter().any(|v| v == s);
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(user.id));
    if has("profile") {
        claims.insert("preferred_username".into(), json!(user.username));
        if let Some(language) = &user.language {
            claims.insert("locale".into(), json!(language));
        }
        claims.insert("updated_at".into(), json!(user.updated_at.0));
    }
    if has("email")
        && let Some(email) = &user.email
    {
        claims.insert("email".into(), json!(email));
        claims.insert("email_verified".into(), json!(user.email_verified));
    }
    if has("phone")
        && let Some(phone) = &user.phone
    {
        claims.insert("phone_number".into(), json!(phone));
        claims.insert("phone_number_verified".into(), json!(user.phone_verified));
    }
    claims
}

pub const SUPPORTED_SCOPES: [&str; 5] = ["openid", "profile", "email", "phone", "offline_access"];
