//! What `twofold seed-bench` writes and `twofold bench --seeded` needs to know, derived from a
//! bench secret: usernames from a prefix and an index, TOTP seeds from the secret, the prefix and
//! the indices. Both commands compute the same values, so no file of seeds passes between them.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use twofold_core::secrets::Seed;

/// Bytes of a TOTP seed: 160 bits, as enrolment makes them (RFC 4226's recommendation).
pub const SEED_LEN: usize = 20;

pub fn username(prefix: &str, user: usize) -> String {
    format!("{prefix}-{user}")
}

/// The seed of authenticator `k` of user `user`: HMAC-SHA-256 keyed with the bench secret.
pub fn seed(secret: &str, prefix: &str, user: usize, k: usize) -> Seed {
    let message = format!("twofold bench totp seed\0{prefix}\0{user}\0{k}");
    let digest = match <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(message.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        // HMAC takes keys of any length; this arm cannot be reached.
        Err(_) => vec![0; SEED_LEN],
    };
    Seed::new(digest.into_iter().take(SEED_LEN).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_stable_and_differ_per_user_authenticator_and_secret() {
        let a = seed("s", "p", 1, 2);
        assert_eq!(a.expose().len(), SEED_LEN);
        assert_eq!(a.expose(), seed("s", "p", 1, 2).expose());
        assert_ne!(a.expose(), seed("s", "p", 1, 3).expose());
        assert_ne!(a.expose(), seed("s", "p", 2, 2).expose());
        assert_ne!(a.expose(), seed("t", "p", 1, 2).expose());
        assert_ne!(a.expose(), seed("s", "q", 1, 2).expose());
    }
}
