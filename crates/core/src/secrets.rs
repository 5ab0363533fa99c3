//! Secret material and what is done to it: sealing (AEAD), keyed hashing, token formats.
//!
//! Every type that holds a secret redacts itself in `Debug` and wipes its memory on drop.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use data_encoding::BASE64URL_NOPAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use thiserror::Error;
use zeroize::Zeroizing;

pub const NONCE_LEN: usize = 12;
pub const KEY_LEN: usize = 32;

/// A TOTP/HOTP shared secret.
#[derive(Clone)]
pub struct Seed(Zeroizing<Vec<u8>>);

impl Seed {
    pub fn new(bytes: Vec<u8>) -> Seed {
        Seed(Zeroizing::new(bytes))
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The RFC 4648 base32 form authenticator apps expect.
    pub fn to_base32(&self) -> String {
        data_encoding::BASE32_NOPAD.encode(&self.0)
    }
}

impl fmt::Debug for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Seed(…)")
    }
}

/// A string that must never be logged: a password, a token, a code.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    pub fn new(value: String) -> SecretString {
        SecretString(Zeroizing::new(value))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Passwords and codes arrive in request bodies; they go straight into a wiping container.
impl<'de> serde::Deserialize<'de> for SecretString {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(SecretString::new)
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString(…)")
    }
}

/// The root key of an installation. Purpose keys are derived from it so that a key used to seal
/// seeds is never also used to hash tokens.
#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; KEY_LEN]>);

impl MasterKey {
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> MasterKey {
        MasterKey(Zeroizing::new(bytes))
    }

    pub fn sealing_key(&self) -> SealingKey {
        SealingKey(self.derive(b"twofold/v1/seal"))
    }

    pub fn hashing_key(&self) -> HashingKey {
        HashingKey(self.derive(b"twofold/v1/keyed-hash"))
    }

    /// The key ALTCHA challenges are signed with.
    pub fn altcha_key(&self) -> crate::altcha::AltchaKey {
        crate::altcha::AltchaKey::from_bytes(*self.derive(b"twofold/v1/altcha"))
    }

    fn derive(&self, purpose: &[u8]) -> Zeroizing<[u8; KEY_LEN]> {
        Zeroizing::new(hmac_sha256(self.0.as_slice(), &[purpose]))
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(…)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("sealed data could not be opened (wrong key, wrong context or tampered)")]
pub struct OpenError;

/// AES-256-GCM under a derived key. The associated data binds a sealed value to where it lives
/// (for example the authenticator id), so a sealed seed copied to another row does not open.
#[derive(Clone)]
pub struct SealingKey(Zeroizing<[u8; KEY_LEN]>);

impl SealingKey {
    /// `nonce` must be fresh random bytes for every call. The output is `nonce || ciphertext`.
    pub fn seal(&self, nonce: [u8; NONCE_LEN], context: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let Ok(cipher) = Aes256Gcm::new_from_slice(self.0.as_slice()) else {
            return Vec::new();
        };
        let payload = Payload {
            msg: plaintext,
            aad: context,
        };
        match cipher.encrypt(&Nonce::from(nonce), payload) {
            Ok(ciphertext) => [nonce.as_slice(), &ciphertext].concat(),
            Err(_) => Vec::new(),
        }
    }

    pub fn open(&self, context: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, OpenError> {
        let (nonce, ciphertext) = sealed.split_at_checked(NONCE_LEN).ok_or(OpenError)?;
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| OpenError)?;
        let cipher = Aes256Gcm::new_from_slice(self.0.as_slice()).map_err(|_| OpenError)?;
        cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| OpenError)
    }
}

impl fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealingKey(…)")
    }
}

/// HMAC-SHA-256 for tokens and codes: a stolen database yields no usable token, and a guess
/// cannot be checked offline without the key.
#[derive(Clone)]
pub struct HashingKey(Zeroizing<[u8; KEY_LEN]>);

impl HashingKey {
    pub fn hash(&self, domain: &str, value: &str) -> TokenHash {
        TokenHash(hmac_sha256(
            self.0.as_slice(),
            &[domain.as_bytes(), b"\0", value.as_bytes()],
        ))
    }
}

impl fmt::Debug for HashingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HashingKey(…)")
    }
}

/// The stored form of a token or a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash(pub [u8; 32]);

impl TokenHash {
    pub fn from_slice(bytes: &[u8]) -> Option<TokenHash> {
        bytes.try_into().ok().map(TokenHash)
    }

    pub fn matches(&self, other: &TokenHash) -> bool {
        bool::from(self.0.ct_eq(&other.0))
    }
}

/// Formats a bearer token: a prefix secret scanners recognise, then 256 random bits.
pub fn format_token(prefix: &str, random: &[u8; 32]) -> SecretString {
    SecretString::new(format!("{prefix}{}", BASE64URL_NOPAD.encode(random)))
}

pub const ADMIN_TOKEN_PREFIX: &str = "tfa_";
pub const SESSION_TOKEN_PREFIX: &str = "tfs_";
pub const CLIENT_SECRET_PREFIX: &str = "tfc_";
pub const AUTHORIZATION_CODE_PREFIX: &str = "tfo_";
pub const REFRESH_TOKEN_PREFIX: &str = "tfr_";
pub const DEVICE_TOKEN_PREFIX: &str = "tfd_";

/// Whether `value` could be a token made by [`format_token`] with `prefix`: anything else is
/// refused before a hash is computed or a row looked up.
pub fn has_token_shape(value: &str, prefix: &str) -> bool {
    value.starts_with(prefix) && value.len() <= 128
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut out = [0u8; 32];
    if let Ok(mut mac) = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key) {
        parts.iter().for_each(|part| mac.update(part));
        out.copy_from_slice(&mac.finalize().into_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> MasterKey {
        MasterKey::from_bytes([7; KEY_LEN])
    }

    #[test]
    fn sealed_data_opens_only_with_its_key_and_context() {
        let sealing = key().sealing_key();
        let sealed = sealing.seal([1; NONCE_LEN], b"authenticator:a", b"seed bytes");
        assert!(!sealed.windows(10).any(|w| w == b"seed bytes"));
        assert_eq!(
            sealing
                .open(b"authenticator:a", &sealed)
                .unwrap()
                .as_slice(),
            b"seed bytes"
        );
        assert_eq!(sealing.open(b"authenticator:b", &sealed), Err(OpenError));
        let other = MasterKey::from_bytes([8; KEY_LEN]).sealing_key();
        assert_eq!(other.open(b"authenticator:a", &sealed), Err(OpenError));
        let mut tampered = sealed.clone();
        tampered[NONCE_LEN + 1] ^= 1;
        assert_eq!(sealing.open(b"authenticator:a", &tampered), Err(OpenError));
        assert_eq!(
            sealing.open(b"authenticator:a", &sealed[..5]),
            Err(OpenError)
        );
    }

    #[test]
    fn keyed_hashes_depend_on_key_domain_and_value() {
        let hashing = key().hashing_key();
        let a = hashing.hash("session", "tfs_x");
        assert!(a.matches(&hashing.hash("session", "tfs_x")));
        assert!(!a.matches(&hashing.hash("admin", "tfs_x")));
        assert!(!a.matches(&hashing.hash("session", "tfs_y")));
        assert!(
            !a.matches(
                &MasterKey::from_bytes([9; KEY_LEN])
                    .hashing_key()
                    .hash("session", "tfs_x")
            )
        );
    }

    #[test]
    fn secrets_do_not_show_in_debug_output() {
        let shown = format!(
            "{:?} {:?} {:?}",
            Seed::new(b"abc".to_vec()),
            SecretString::new("hunter2".into()),
            key()
        );
        assert!(!shown.contains("abc") && !shown.contains("hunter2") && !shown.contains('7'));
    }

    #[test]
    fn only_prefixed_tokens_of_a_sane_length_have_the_shape() {
        let token = format_token(REFRESH_TOKEN_PREFIX, &[9; 32]);
        assert!(has_token_shape(token.expose(), REFRESH_TOKEN_PREFIX));
        assert!(!has_token_shape(token.expose(), AUTHORIZATION_CODE_PREFIX));
        assert!(!has_token_shape(
            &format!("tfr_{}", "a".repeat(200)),
            REFRESH_TOKEN_PREFIX
        ));
    }
}
