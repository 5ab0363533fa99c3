//! Signed tokens: ID tokens and access tokens are ES256 JWTs under the tenant's active key, and
//! access tokens presented back are verified against every key still published.

use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode,
};
use serde_json::{Map, Value};
use twofold_core::UnixTime;

use super::signing_keys as keys;
use crate::error::Error;
use crate::state::Inner;

/// RFC 9068's media type for JWT access tokens, so one can never pass for an ID token.
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

/// The tenant's active key, opened once for the tokens of one answer.
pub struct Signer {
    kid: String,
    key: EncodingKey,
}

impl Signer {
    pub async fn active(state: &Inner, tenant_id: &str, now: UnixTime) -> Result<Signer, Error> {
        let key = keys::active(state, tenant_id, now).await?;
        Ok(Signer {
            key: keys::encoding_key(state, &key)?,
            kid: key.kid,
        })
    }

    pub fn sign(&self, typ: &str, claims: &Map<String, Value>) -> Result<String, Error> {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        header.typ = Some(typ.to_owned());
        encode(&header, claims, &self.key)
            .map_err(|e| Error::Internal(format!("signing failed: {e}")))
    }
}

/// The claims of an access token this server issued and that has not expired; `None` for
/// anything else (a foreign or tampered token, an ID token, an expired one).
pub async fn verify_access_token(
    state: &Inner,
    tenant_id: &str,
    token: &str,
    now: UnixTime,
) -> Result<Option<Map<String, Value>>, Error> {
    let Ok(header) = decode_header(token) else {
        return Ok(None);
    };
    if header.alg != Algorithm::ES256 || header.typ.as_deref() != Some(ACCESS_TOKEN_TYP) {
        return Ok(None);
    }
    let set = keys::published(state, tenant_id, now).await?;
    let Some(jwk) = header.kid.as_deref().and_then(|kid| {
        set.keys
            .iter()
            .find(|k| k.common.key_id.as_deref() == Some(kid))
    }) else {
        return Ok(None);
    };
    let Ok(key) = DecodingKey::from_jwk(jwk as &Jwk) else {
        return Ok(None);
    };
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_issuer(&[state.issuer()]);
    // Access tokens are for this server's userinfo; the client they were issued to is `client_id`.
    validation.validate_aud = false;
    validation.leeway = 0;
    // The clock is the server's own (tests move it), not the library's.
    validation.validate_exp = false;
    let Ok(data) = decode::<Map<String, Value>>(token, &key, &validation) else {
        return Ok(None);
    };
    let live = data
        .claims
        .get("exp")
        .and_then(Value::as_i64)
        .is_some_and(|exp| now.0 < exp);
    Ok(live.then_some(data.claims))
}
