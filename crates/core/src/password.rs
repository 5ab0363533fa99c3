//! Passwords: what is acceptable (NIST SP 800-63B §3.1.1) and how they are hashed (Argon2id).

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use subtle::ConstantTimeEq;

use crate::DomainError;

pub const MIN_CHARS: usize = 8;
pub const MAX_BYTES: usize = 1024;
pub const SALT_LEN: usize = 16;
/// zxcvbn scores 0–4; 3 means "safely unguessable: moderate protection from offline attacks".
const MIN_STRENGTH: u8 = 3;
/// The strength estimator is super-linear in length; anything longer is long enough to judge
/// from its first part.
const STRENGTH_PREFIX_CHARS: usize = 100;

/// OWASP's Argon2id recommendation: 19 MiB, 2 passes, 1 lane.
pub fn owasp_params() -> Params {
    Params::new(19 * 1024, 2, 1, None).unwrap_or_default()
}

/// Refuses passwords that are too short, too long, or easy to guess — including ones built
/// from the user's own names (`context`).
pub fn check_policy(password: &str, context: &[&str]) -> Result<(), DomainError> {
    if password.chars().count() < MIN_CHARS {
        return Err(DomainError::WeakPassword(format!(
            "must have at least {MIN_CHARS} characters"
        )));
    }
    if password.len() > MAX_BYTES {
        return Err(DomainError::WeakPassword(format!(
            "must be at most {MAX_BYTES} bytes"
        )));
    }
    let judged: String = password.chars().take(STRENGTH_PREFIX_CHARS).collect();
    let estimate = zxcvbn::zxcvbn(&judged, context);
    if u8::from(estimate.score()) < MIN_STRENGTH {
        let hint = estimate
            .feedback()
            .and_then(|f| f.warning().map(|w| w.to_string()))
            .unwrap_or_else(|| "too easy to guess".to_owned());
        return Err(DomainError::WeakPassword(hint));
    }
    Ok(())
}

/// An Argon2id PHC string for `password` with the caller's random `salt`.
pub fn hash(password: &str, salt: &[u8; SALT_LEN], params: Params) -> Result<String, DomainError> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_with_salt(password.as_bytes(), salt)
        .map(|hash| hash.to_string())
        .map_err(|_| DomainError::invalid("password could not be hashed"))
}

/// Constant-time verification (inside argon2). A malformed stored hash never verifies.
pub fn verify(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// Argon2's working memory (19 MiB at the server's parameters), kept by a caller that hashes
/// again and again, so it is allocated once instead of once per hash: an allocator keeps freed
/// blocks of that size per thread, and a flood of sign-ins would otherwise keep a copy for every
/// thread that ever hashed.
#[derive(Default)]
pub struct Memory(Vec<Block>);

impl Memory {
    /// The blocks these parameters need; grows once if an older hash asks for more.
    fn blocks(&mut self, params: &Params) -> &mut [Block] {
        let needed = params.block_count();
        if self.0.len() < needed {
            self.0.resize(needed, Block::new());
        }
        &mut self.0[..needed]
    }

    /// Bytes held now.
    pub fn size(&self) -> usize {
        self.0.len() * Block::SIZE
    }
}

/// As [`hash`], computed in the caller's `memory`.
pub fn hash_in(
    password: &str,
    salt: &[u8; SALT_LEN],
    params: Params,
    memory: &mut Memory,
) -> Result<String, DomainError> {
    let failed = || DomainError::invalid("password could not be hashed");
    let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let mut out = vec![0u8; output_len];
    let algorithm = Algorithm::Argon2id;
    Argon2::new(algorithm, Version::V0x13, params.clone())
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, memory.blocks(&params))
        .map_err(|_| failed())?;
    let phc = PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|_| failed())?,
        salt: Some(Salt::new(salt).map_err(|_| failed())?),
        hash: Some(Output::new(&out).map_err(|_| failed())?),
    };
    Ok(phc.to_string())
}

/// As [`verify`], computed in the caller's `memory` with the stored hash's own parameters.
/// Constant-time in the comparison; a malformed stored hash never verifies.
/// A PHC string of the form [`hash_in`] writes, with random `output` in place of a hash: verifying
/// a password against it costs what verifying a real hash at `params` costs, and fails. Making it
/// computes nothing, so it takes none of Argon2's memory (a stand-in hash made at start-up
/// otherwise leaves 19 MiB with the allocator of an idle server).
pub fn unmatchable(
    salt: &[u8; SALT_LEN],
    output: &[u8; 32],
    params: Params,
) -> Result<String, DomainError> {
    let failed = || DomainError::invalid("stand-in hash could not be written");
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|_| failed())?,
        salt: Some(Salt::new(salt).map_err(|_| failed())?),
        hash: Some(Output::new(output).map_err(|_| failed())?),
    };
    Ok(phc.to_string())
}

pub fn verify_in(password: &str, stored: &str, memory: &mut Memory) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm.as_str()) else {
        return false;
    };
    let Ok(version) = Version::try_from(parsed.version.unwrap_or(Version::V0x13.into())) else {
        return false;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let computed = Argon2::new(algorithm, version, params.clone()).hash_password_into_with_memory(
        password.as_bytes(),
        salt,
        &mut out,
        memory.blocks(&params),
    );
    computed.is_ok() && bool::from(out.ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> Params {
        Params::new(64, 1, 1, None).unwrap()
    }

    #[test]
    fn short_common_and_personal_passwords_are_refused() {
        for weak in [
            "short",
            "password123",
            "qwertyuiop",
            "aaaaaaaaaaaa",
            "12345678",
        ] {
            assert!(check_policy(weak, &[]).is_err(), "{weak}");
        }
        assert!(check_policy("alice.wonderland", &["alice.wonderland"]).is_err());
        assert!(check_policy(&"x".repeat(MAX_BYTES + 1), &[]).is_err());
    }

    #[test]
    fn strong_passwords_pass_including_long_unicode_ones() {
        assert!(check_policy("correct horse battery staple", &[]).is_ok());
        assert!(check_policy("Grüße aus dem Bärental, 1987!", &[]).is_ok());
        let long: String = "river-copper-lantern-".repeat(40);
        assert!(long.len() <= MAX_BYTES);
        assert!(check_policy(&long, &[]).is_ok());
    }

    #[test]
    fn hashes_verify_only_the_right_password() {
        let stored = hash("correct horse battery staple", &[3; SALT_LEN], cheap()).unwrap();
        assert!(stored.starts_with("$argon2id$v=19$"));
        assert!(verify("correct horse battery staple", &stored));
        assert!(!verify("correct horse battery stapler", &stored));
        assert!(!verify("anything", "not a phc string"));
    }

    #[test]
    fn an_unmatchable_hash_is_verified_at_its_parameters_and_matches_nothing() {
        let salt = [9; SALT_LEN];
        let stand_in = unmatchable(&salt, &[7; 32], cheap()).unwrap();
        let real = hash("correct horse battery staple", &salt, cheap()).unwrap();
        // The same algorithm, parameters and salt: only the hash part differs.
        let head = |phc: &str| phc.rsplit_once('$').unwrap().0.to_owned();
        assert_eq!(head(&stand_in), head(&real));
        let mut memory = Memory::default();
        assert!(!verify_in(
            "correct horse battery staple",
            &stand_in,
            &mut memory
        ));
        assert!(!verify("correct horse battery staple", &stand_in));
        // The verification ran Argon2 at the stand-in's parameters (64 KiB here).
        assert_eq!(memory.size(), 64 * 1024);
    }

    #[test]
    fn hashes_in_reused_memory_are_the_same_phc_strings() {
        let mut memory = Memory::default();
        let salt = [9; SALT_LEN];
        let reused = hash_in("correct horse battery staple", &salt, cheap(), &mut memory).unwrap();
        assert_eq!(
            reused,
            hash("correct horse battery staple", &salt, cheap()).unwrap()
        );
        assert!(verify_in(
            "correct horse battery staple",
            &reused,
            &mut memory
        ));
        assert!(!verify_in(
            "correct horse battery stapler",
            &reused,
            &mut memory
        ));
        assert!(!verify_in("anything", "not a phc string", &mut memory));
        // A hash made with more memory than the buffer has grows it, and still verifies.
        let bigger = Params::new(256, 1, 1, None).unwrap();
        let stored = hash("another password here", &salt, bigger).unwrap();
        assert!(verify_in("another password here", &stored, &mut memory));
        assert_eq!(memory.size(), 256 * 1024);
        // Hashes of the other Argon2 variants verify as argon2 itself verifies them.
        let argon2i = Argon2::new(Algorithm::Argon2i, Version::V0x10, cheap())
            .hash_password_with_salt(b"old password", &salt)
            .unwrap()
            .to_string();
        assert!(verify("old password", &argon2i));
        assert!(verify_in("old password", &argon2i, &mut memory));
        assert!(!verify_in("old passwore", &argon2i, &mut memory));
    }

    #[test]
    fn the_server_parameters_are_owasps() {
        let params = owasp_params();
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (19456, 2, 1)
        );
    }
}
