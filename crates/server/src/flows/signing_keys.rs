//! Token-signing keys: ES256, generated here, the private half sealed at rest, rotated with the
//! old key still published until the tokens it signed have expired.

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::json;
use twofold_core::UnixTime;
use twofold_core::event::EventType;
use twofold_core::secrets::NONCE_LEN;
use twofold_core::signing_key::SigningKey;
use zeroize::Zeroizing;

use crate::error::Error;
use crate::flows::{Ctx, events};
use crate::random;
use crate::state::Inner;

/// How long after retirement a key stays in the JWKS: longer than any token it signed lives.
pub const PUBLISHED_AFTER_RETIREMENT: u64 = 86_400;
const ALG: &str = "ES256";

/// Fresh key material: the kid (RFC 7638 thumbprint), the public JWK and the PKCS#8 private key.
pub fn new_key_material() -> Result<(String, Jwk, Zeroizing<Vec<u8>>), Error> {
    let fail = |what: &str| Error::Internal(format!("signing key: {what}"));
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(
        &ECDSA_P256_SHA256_FIXED_SIGNING,
        &random::for_key_generation(),
    )
    .map_err(|_| fail("generation failed"))?;
    let private = Zeroizing::new(pkcs8.as_ref().to_vec());
    let mut jwk = Jwk::from_encoding_key(&EncodingKey::from_ec_der(&private), Algorithm::ES256)
        .map_err(|e| fail(&e.to_string()))?;
    let kid = jwk
        .thumbprint(ThumbprintHash::SHA256)
        .map_err(|e| fail(&e.to_string()))?;
    jwk.common.key_id = Some(kid.clone());
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    Ok((kid, jwk, private))
}

async fn create(state: &Inner, tenant_id: &str, now: UnixTime) -> Result<SigningKey, Error> {
    let (kid, jwk, private) = new_key_material()?;
    let nonce = random::bytes::<NONCE_LEN>(state.random.as_ref())?;
    let key = SigningKey {
        sealed_private: state
            .sealing
            .seal(nonce, &SigningKey::seal_context(&kid), &private),
        public_jwk: serde_json::to_string(&jwk).map_err(|e| Error::Internal(e.to_string()))?,
        kid,
        tenant_id: tenant_id.to_owned(),
        alg: ALG.to_owned(),
        created_at: now,
        retired_at: None,
    };
    state.store.insert_signing_key(&key).await?;
    Ok(key)
}

/// The key that signs now; made on first need.
pub async fn active(state: &Inner, tenant_id: &str, now: UnixTime) -> Result<SigningKey, Error> {
    let keys = state.store.signing_keys(tenant_id).await?;
    match keys.into_iter().find(SigningKey::is_active) {
        Some(key) => Ok(key),
        None => create(state, tenant_id, now).await,
    }
}

/// A new key takes over signing; the others retire but stay published for a while.
pub async fn rotate(state: &Inner, ctx: &Ctx) -> Result<SigningKey, Error> {
    let key = create(state, &ctx.tenant_id, ctx.now).await?;
    let retired = state
        .store
        .retire_signing_keys(&ctx.tenant_id, &key.kid, ctx.now)
        .await?;
    let detail = json!({"kid": key.kid, "retired": retired});
    events::record(state, ctx, EventType::SigningKeyRotated, None, detail).await?;
    Ok(key)
}

/// The private half of a key, for signing.
pub fn encoding_key(state: &Inner, key: &SigningKey) -> Result<EncodingKey, Error> {
    let private = state
        .sealing
        .open(&SigningKey::seal_context(&key.kid), &key.sealed_private)
        .map_err(|e| Error::Internal(format!("signing key {}: {e}", key.kid)))?;
    Ok(EncodingKey::from_ec_der(&private))
}

/// Every key relying parties may still meet, newest first.
pub async fn published(state: &Inner, tenant_id: &str, now: UnixTime) -> Result<JwkSet, Error> {
    let keys = state.store.signing_keys(tenant_id).await?;
    let jwks = keys
        .iter()
        .filter(|k| k.is_published(now, PUBLISHED_AFTER_RETIREMENT))
        .map(|k| {
            serde_json::from_str::<Jwk>(&k.public_jwk)
                .map_err(|e| Error::Internal(format!("jwk {}: {e}", k.kid)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(JwkSet { keys: jwks })
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{DecodingKey, Header, Validation, decode, encode};
    use serde_json::Value;

    use super::*;

    #[test]
    fn a_token_signed_with_the_private_key_verifies_with_the_published_jwk() {
        let (kid, jwk, private) = new_key_material().unwrap();
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(kid.clone());
        let claims = json!({"sub": "alice", "aud": "client", "exp": 4_000_000_000u64});
        let token = encode(&header, &claims, &EncodingKey::from_ec_der(&private)).unwrap();

        let published: Jwk = serde_json::from_str(&serde_json::to_string(&jwk).unwrap()).unwrap();
        assert!(
            !serde_json::to_string(&published).unwrap().contains("\"d\""),
            "no private part"
        );
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_audience(&["client"]);
        let decoded = decode::<Value>(
            &token,
            &DecodingKey::from_jwk(&published).unwrap(),
            &validation,
        )
        .unwrap();
        assert_eq!(decoded.claims["sub"], "alice");
        assert_eq!(decoded.header.kid.as_deref(), Some(kid.as_str()));

        let (_, other, _) = new_key_material().unwrap();
        assert!(
            decode::<Value>(&token, &DecodingKey::from_jwk(&other).unwrap(), &validation).is_err()
        );
    }
}
