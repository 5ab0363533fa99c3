//! Token-signing keys as the server keeps them: the private half sealed, the public half as a JWK.

use crate::UnixTime;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKey {
    /// The RFC 7638 thumbprint of the public key.
    pub kid: String,
    pub tenant_id: String,
    /// JOSE algorithm name (`ES256`).
    pub alg: String,
    /// PKCS#8 DER, sealed under the master key with the kid as context.
    pub sealed_private: Vec<u8>,
    /// The public JWK as JSON text.
    pub public_jwk: String,
    pub created_at: UnixTime,
    /// When it stopped signing; still published until the tokens it signed have expired.
    pub retired_at: Option<UnixTime>,
}

impl SigningKey {
    pub fn seal_context(kid: &str) -> Vec<u8> {
        format!("signing-key:{kid}").into_bytes()
    }

    pub fn is_active(&self) -> bool {
        self.retired_at.is_none()
    }

    /// Whether relying parties still need this key to check tokens issued up to `max_token_age`
    /// seconds ago.
    pub fn is_published(&self, now: UnixTime, max_token_age: u64) -> bool {
        self.retired_at
            .is_none_or(|retired| now < retired.plus_seconds(max_token_age))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retired_key_is_published_until_its_tokens_expire() {
        let mut key = SigningKey {
            kid: "k".into(),
            tenant_id: "t".into(),
            alg: "ES256".into(),
            sealed_private: vec![],
            public_jwk: "{}".into(),
            created_at: UnixTime(0),
            retired_at: None,
        };
        assert!(key.is_active() && key.is_published(UnixTime(10_000), 3600));
        key.retired_at = Some(UnixTime(1000));
        assert!(!key.is_active());
        assert!(key.is_published(UnixTime(4599), 3600));
        assert!(!key.is_published(UnixTime(4600), 3600));
    }
}
