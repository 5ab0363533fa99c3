//! ALTCHA proof of work (the v1 challenge format), served and checked by Twofold itself.
//!
//! A challenge is `{algorithm: "SHA-256", challenge, maxnumber, salt, signature}` where
//! `challenge = hex(SHA-256(salt ‖ number))` for a secret `number` in `0..=maxnumber`, the salt
//! is random hex with `?expires=<unix seconds>&`, and `signature = hex(HMAC-SHA-256(key,
//! challenge))`. A client finds `number` by trying them all and posts the base64 of the JSON
//! `{algorithm, challenge, number, salt, signature}` (the widget adds `took`, which is ignored).
//! This is the format of the altcha libraries; the trailing `&` after the salt's parameters is
//! the libraries' guard against moving digits of `number` into `expires` (a salt without it is
//! hashed with one appended, as they do).
//!
//! Nothing here remembers a solved payload: [`Solved::id`] (the challenge hash, unique per salt)
//! is what the server records as spent until [`Solved::expires`], and refuses a second time.

use std::fmt;

use data_encoding::{BASE64, BASE64_NOPAD, HEXLOWER};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use thiserror::Error;
use zeroize::Zeroizing;

use crate::UnixTime;

pub const ALGORITHM: &str = "SHA-256";

/// The random bytes of a salt (hex-encoded in the challenge, 24 characters).
pub const SALT_BYTES: usize = 12;

/// A payload longer than this is refused before it is decoded.
const MAX_PAYLOAD: usize = 2048;

/// The HMAC key challenges are signed with (derived from the installation's master key).
#[derive(Clone)]
pub struct AltchaKey(Zeroizing<[u8; 32]>);

impl AltchaKey {
    pub fn from_bytes(bytes: [u8; 32]) -> AltchaKey {
        AltchaKey(Zeroizing::new(bytes))
    }

    fn sign(&self, challenge: &str) -> String {
        HEXLOWER.encode(&hmac(self.0.as_slice(), challenge.as_bytes()))
    }
}

impl fmt::Debug for AltchaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AltchaKey(…)")
    }
}

/// What a client is sent to solve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AltchaChallenge {
    pub algorithm: String,
    pub challenge: String,
    /// The widget and most libraries read `maxnumber`; the Python library writes `maxNumber`.
    #[serde(alias = "maxNumber")]
    pub maxnumber: u64,
    pub salt: String,
    pub signature: String,
}

/// A new challenge: `salt` and `number` are the caller's random values (`number` is reduced to
/// `0..=max_number`), valid until `expires`. The difficulty is `max_number`: a solver tries half
/// of it on average.
pub fn create(
    key: &AltchaKey,
    salt: &[u8; SALT_BYTES],
    number: u64,
    max_number: u64,
    expires: UnixTime,
) -> AltchaChallenge {
    let number = number % max_number.saturating_add(1).max(1);
    let salt = format!("{}?expires={}&", HEXLOWER.encode(salt), expires.0);
    let challenge = hash_hex(&salt, number);
    AltchaChallenge {
        algorithm: ALGORITHM.to_owned(),
        signature: key.sign(&challenge),
        challenge,
        maxnumber: max_number,
        salt,
    }
}

/// A payload that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solved {
    /// The challenge hash: the same for every payload solving this challenge. Record it as spent.
    pub id: String,
    /// Keep the spent id at least until then; afterwards the payload is refused as expired.
    pub expires: UnixTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AltchaError {
    #[error("the captcha payload is not base64 JSON of an ALTCHA solution")]
    Malformed,
    #[error("the captcha uses an algorithm other than SHA-256")]
    Algorithm,
    #[error("the captcha was not issued by this server")]
    Signature,
    #[error("the captcha has no expiry")]
    NoExpiry,
    #[error("the captcha has expired")]
    Expired,
    #[error("the captcha number is out of range")]
    OutOfRange,
    #[error("the captcha is not solved")]
    NotSolved,
}

#[derive(Deserialize)]
struct Payload {
    algorithm: String,
    challenge: String,
    number: u64,
    salt: String,
    signature: String,
}

/// Checks a posted payload: our signature (compared in constant time), not expired at `now`,
/// `number` within `0..=max_number`, and the challenge recomputes from salt and number.
pub fn verify(
    key: &AltchaKey,
    payload: &str,
    max_number: u64,
    now: UnixTime,
) -> Result<Solved, AltchaError> {
    let payload = decode(payload)?;
    if payload.algorithm != ALGORITHM {
        return Err(AltchaError::Algorithm);
    }
    let expected = key.sign(&payload.challenge);
    if !bool::from(expected.as_bytes().ct_eq(payload.signature.as_bytes())) {
        return Err(AltchaError::Signature);
    }
    let expires = expiry(&payload.salt).ok_or(AltchaError::NoExpiry)?;
    if now >= expires {
        return Err(AltchaError::Expired);
    }
    if payload.number > max_number {
        return Err(AltchaError::OutOfRange);
    }
    let mut salt = payload.salt;
    if !salt.ends_with('&') {
        salt.push('&');
    }
    let recomputed = hash_hex(&salt, payload.number);
    if !bool::from(recomputed.as_bytes().ct_eq(payload.challenge.as_bytes())) {
        return Err(AltchaError::NotSolved);
    }
    Ok(Solved {
        id: payload.challenge,
        expires,
    })
}

fn decode(payload: &str) -> Result<Payload, AltchaError> {
    let text = payload.trim();
    if text.len() > MAX_PAYLOAD {
        return Err(AltchaError::Malformed);
    }
    let bytes = BASE64
        .decode(text.as_bytes())
        .or_else(|_| BASE64_NOPAD.decode(text.as_bytes()))
        .map_err(|_| AltchaError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| AltchaError::Malformed)
}

/// The `expires` parameter of a salt (`hex?expires=…&…`); the first one, should there be two.
fn expiry(salt: &str) -> Option<UnixTime> {
    let (_, query) = salt.split_once('?')?;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("expires="))
        .and_then(|value| value.parse::<i64>().ok())
        .map(UnixTime)
}

fn hash_hex(salt: &str, number: u64) -> String {
    let mut hash = Sha256::new();
    hash.update(salt.as_bytes());
    hash.update(number.to_string().as_bytes());
    HEXLOWER.encode(&hash.finalize())
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    // HMAC takes keys of any length: this never fails.
    if let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        mac.update(data);
        out.copy_from_slice(&mac.finalize().into_bytes());
    }
    out
}

#[cfg(test)]
mod tests;
