//! Which user claims a token or the userinfo answer carries, by scope (OpenID Connect Core §5.4).

use serde_json::{Map, Value, json};

use crate::UnixTime;
use crate::grant::Grant;
use crate::settings::OidcPolicy;
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

/// Who issues tokens, when, under which lifetimes.
pub struct Issued<'a> {
    pub issuer: &'a str,
    pub now: UnixTime,
    pub policy: &'a OidcPolicy,
}

/// How the user authenticated, as both tokens say it (RFC 8176 `amr`, the `acr` level).
fn authentication(claims: &mut Map<String, Value>, grant: &Grant) {
    let auth = &grant.authentication;
    claims.insert("auth_time".into(), json!(auth.auth_time.0));
    claims.insert("amr".into(), json!(auth.amr));
    claims.insert("acr".into(), json!(auth.acr));
}

/// The access token (RFC 9068): for the client, naming its grant so revocation reaches it.
pub fn access_token(issued: &Issued<'_>, grant: &Grant, jti: &str) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert("iss".into(), json!(issued.issuer));
    claims.insert("sub".into(), json!(grant.user_id));
    claims.insert("aud".into(), json!(grant.client_id));
    claims.insert("client_id".into(), json!(grant.client_id));
    claims.insert("iat".into(), json!(issued.now.0));
    let exp = issued.now.plus_seconds(issued.policy.access_token_lifetime);
    claims.insert("exp".into(), json!(exp.0));
    claims.insert("jti".into(), json!(jti));
    claims.insert("scope".into(), json!(grant.scope.join(" ")));
    claims.insert("gid".into(), json!(grant.id));
    authentication(&mut claims, grant);
    claims
}

/// The ID token: the user claims the scope releases, the request's nonce, the session.
pub fn id_token(issued: &Issued<'_>, grant: &Grant, user: &User) -> Map<String, Value> {
    let mut claims = user_claims(user, &grant.scope);
    claims.insert("iss".into(), json!(issued.issuer));
    claims.insert("aud".into(), json!(grant.client_id));
    claims.insert("azp".into(), json!(grant.client_id));
    claims.insert("iat".into(), json!(issued.now.0));
    let exp = issued.now.plus_seconds(issued.policy.id_token_lifetime);
    claims.insert("exp".into(), json!(exp.0));
    claims.insert("sid".into(), json!(grant.session_id));
    if let Some(nonce) = &grant.nonce {
        claims.insert("nonce".into(), json!(nonce));
    }
    authentication(&mut claims, grant);
    claims
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lockout::Counter;
    use crate::precheck::Authentication;

    #[test]
    fn the_tokens_say_who_how_and_for_whom_and_release_only_the_scopes_claims() {
        let user = User {
            id: "u1".into(),
            tenant_id: "t".into(),
            username: "alice".into(),
            email: Some("alice@example.com".into()),
            email_verified: true,
            phone: Some("+41791234567".into()),
            phone_verified: false,
            language: None,
            password_hash: None,
            mfa_enabled: true,
            required_factors: vec![],
            second_factor: Counter::default(),
            password: Counter::default(),
            created_at: UnixTime(1),
            updated_at: UnixTime(2),
        };
        let grant = Grant {
            id: "g1".into(),
            tenant_id: "t".into(),
            client_id: "c1".into(),
            user_id: "u1".into(),
            session_id: "s1".into(),
            redirect_uri: "https://rp.example.com/cb".into(),
            scope: vec!["openid".into(), "email".into()],
            nonce: Some("n-1".into()),
            code_challenge: None,
            authentication: Authentication {
                auth_time: UnixTime(90),
                amr: vec!["pwd".into(), "otp".into(), "mfa".into()],
                acr: "urn:twofold:acr:mfa".into(),
            },
            created_at: UnixTime(95),
            code_expires_at: UnixTime(155),
            revoked_at: None,
        };
        let policy = OidcPolicy::default();
        let issued = Issued {
            issuer: "https://id.example.com",
            now: UnixTime(100),
            policy: &policy,
        };
        let id = id_token(&issued, &grant, &user);
        assert_eq!(id["sub"], "u1");
        assert_eq!(id["aud"], "c1");
        assert_eq!(id["nonce"], "n-1");
        assert_eq!(id["exp"], 100 + policy.id_token_lifetime);
        assert_eq!(id["amr"], json!(["pwd", "otp", "mfa"]));
        assert_eq!(id["email_verified"], true);
        assert!(id.get("phone_number").is_none(), "no phone scope");
        let access = access_token(&issued, &grant, "j1");
        assert_eq!(access["gid"], "g1");
        assert_eq!(access["scope"], "openid email");
        assert!(
            access.get("email").is_none(),
            "user claims are for the ID token"
        );
        assert_eq!(
            grant.refresh_tokens_end(&policy),
            UnixTime(95).plus_seconds(policy.refresh_token_lifetime)
        );
    }
}
