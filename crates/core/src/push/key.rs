//! A push device's public key, posted as a JWK (RFC 7517): P-256 for ES256 or Ed25519 for EdDSA
//! (RFC 8037), and the verification of what the device signs.
//!
//! Signatures are base64url without padding, as in a JWS: ES256 as the 64 bytes `r ‖ s` over
//! SHA-256 of the message (RFC 7518 §3.4), Ed25519 as its 64 bytes (verified strictly, so no
//! malleable or small-order variant passes).

use data_encoding::BASE64URL_NOPAD;
use p256::ecdsa::signature::Verifier as _;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KeyError {
    #[error("public_key must be a JWK object")]
    NotAnObject,
    #[error("public_key must be an EC P-256 or OKP Ed25519 key")]
    Unsupported,
    #[error("public_key must not contain private key material")]
    Private,
    #[error("public_key `{0}` is missing or not base64url of the right length")]
    BadMember(&'static str),
    #[error("public_key `alg` or `use` does not fit the key")]
    Mismatch,
    #[error("public_key is not a valid point of its curve")]
    NotOnCurve,
}

/// A device's verifying key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceKey {
    P256(p256::ecdsa::VerifyingKey),
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl DeviceKey {
    /// Parses and validates a public JWK: the curve, the coordinates' lengths, the point itself,
    /// and `alg`/`use` where given. A JWK with a private member (`d`) is refused, since a device
    /// that sends its private key has leaked it.
    pub fn from_jwk(jwk: &Value) -> Result<DeviceKey, KeyError> {
        let members = jwk.as_object().ok_or(KeyError::NotAnObject)?;
        if ["d", "p", "q", "k"]
            .iter()
            .any(|m| members.contains_key(*m))
        {
            return Err(KeyError::Private);
        }
        if members
            .get("use")
            .is_some_and(|u| u.as_str() != Some("sig"))
        {
            return Err(KeyError::Mismatch);
        }
        let text = |name: &str| members.get(name).and_then(Value::as_str);
        match (text("kty"), text("crv")) {
            (Some("EC"), Some("P-256")) => {
                if text("alg").is_some_and(|a| a != "ES256") {
                    return Err(KeyError::Mismatch);
                }
                let x = coordinate(members, "x")?;
                let y = coordinate(members, "y")?;
                let mut sec1 = Vec::with_capacity(65);
                sec1.push(0x04);
                sec1.extend_from_slice(&x);
                sec1.extend_from_slice(&y);
                p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
                    .map(DeviceKey::P256)
                    .map_err(|_| KeyError::NotOnCurve)
            }
            (Some("OKP"), Some("Ed25519")) => {
                if text("alg").is_some_and(|a| a != "EdDSA" && a != "Ed25519") {
                    return Err(KeyError::Mismatch);
                }
                let x = coordinate(members, "x")?;
                let key = ed25519_dalek::VerifyingKey::from_bytes(&x)
                    .map_err(|_| KeyError::NotOnCurve)?;
                if key.is_weak() {
                    return Err(KeyError::NotOnCurve);
                }
                Ok(DeviceKey::Ed25519(key))
            }
            _ => Err(KeyError::Unsupported),
        }
    }

    /// The key as a minimal public JWK, the form to store.
    pub fn to_jwk(&self) -> Value {
        match self {
            DeviceKey::P256(key) => {
                // Uncompressed SEC1: 0x04, then x and y of 32 bytes each.
                let sec1 = key.to_sec1_bytes();
                let x = sec1.get(1..33).unwrap_or_default();
                let y = sec1.get(33..65).unwrap_or_default();
                json!({"kty": "EC", "crv": "P-256", "x": BASE64URL_NOPAD.encode(x), "y": BASE64URL_NOPAD.encode(y)})
            }
            DeviceKey::Ed25519(key) => {
                json!({"kty": "OKP", "crv": "Ed25519", "x": BASE64URL_NOPAD.encode(key.as_bytes())})
            }
        }
    }

    /// RFC 7638 thumbprint (SHA-256, base64url): names the key in logs without showing it.
    pub fn thumbprint(&self) -> String {
        // The members in lexicographic order, no whitespace, as RFC 7638 §3 requires.
        let jwk = self.to_jwk();
        let member = |name: &str| jwk.get(name).and_then(Value::as_str).unwrap_or_default();
        let canonical = match self {
            DeviceKey::P256(_) => format!(
                r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
                member("x"),
                member("y")
            ),
            DeviceKey::Ed25519(_) => {
                format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#, member("x"))
            }
        };
        BASE64URL_NOPAD.encode(&Sha256::digest(canonical.as_bytes()))
    }

    /// Whether `signature` (base64url) is this key's signature of `message`. Anything malformed
    /// is simply not a valid signature.
    pub fn verify(&self, message: &[u8], signature: &str) -> bool {
        let Ok(bytes) = BASE64URL_NOPAD.decode(signature.trim_end_matches('=').as_bytes()) else {
            return false;
        };
        match self {
            DeviceKey::P256(key) => p256::ecdsa::Signature::from_slice(&bytes)
                .is_ok_and(|sig| key.verify(message, &sig).is_ok()),
            DeviceKey::Ed25519(key) => ed25519_dalek::Signature::from_slice(&bytes)
                .is_ok_and(|sig| key.verify_strict(message, &sig).is_ok()),
        }
    }
}

/// A 32-byte base64url member of a JWK.
fn coordinate(members: &Map<String, Value>, name: &'static str) -> Result<[u8; 32], KeyError> {
    members
        .get(name)
        .and_then(Value::as_str)
        .and_then(|text| BASE64URL_NOPAD.decode(text.as_bytes()).ok())
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or(KeyError::BadMember(name))
}
