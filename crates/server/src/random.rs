//! Randomness from the operating system's CSPRNG, behind a trait so flows receive it.

use crate::error::Error;

pub trait Random: Send + Sync {
    fn fill(&self, buffer: &mut [u8]) -> Result<(), Error>;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl Random for OsRandom {
    #[allow(
        clippy::disallowed_methods,
        reason = "the operating system's CSPRNG's one reader; everything else draws from here"
    )]
    fn fill(&self, buffer: &mut [u8]) -> Result<(), Error> {
        getrandom::fill(buffer).map_err(|e| Error::Internal(format!("no randomness: {e}")))
    }
}

/// aws-lc's own handle on the operating system's CSPRNG, for the one thing that must draw from
/// it directly: generating a signing key pair (its `SecureRandom` trait is sealed, so it cannot
/// take a [`Random`]).
#[allow(
    clippy::disallowed_methods,
    reason = "the OS CSPRNG for aws-lc's key generation, handed out from this one place"
)]
pub fn for_key_generation() -> aws_lc_rs::rand::SystemRandom {
    aws_lc_rs::rand::SystemRandom::new()
}

pub fn bytes<const N: usize>(random: &dyn Random) -> Result<[u8; N], Error> {
    let mut out = [0u8; N];
    random.fill(&mut out)?;
    Ok(out)
}

/// A random id in UUID v4 form.
pub fn new_id(random: &dyn Random) -> Result<String, Error> {
    Ok(uuid::Builder::from_random_bytes(bytes::<16>(random)?)
        .into_uuid()
        .to_string())
}

/// An id that looks like [`new_id`]'s but is derived from a keyed hash: the stand-in for a login
/// name nobody has, stable so repeated probes see the same answer.
pub fn stand_in_id(digest: &[u8; 32]) -> String {
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(first)
        .into_uuid()
        .to_string()
}
