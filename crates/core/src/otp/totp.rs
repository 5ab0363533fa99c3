//! TOTP, RFC 6238: HOTP over the number of periods since the epoch, with replay refusal.

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use super::hotp::{self, HashAlgorithm};
use crate::secrets::Seed;
use crate::{DomainError, UnixTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpParams {
    pub algorithm: HashAlgorithm,
    pub digits: u32,
    pub period: u32,
    /// How many steps either side of now are accepted.
    pub skew: u32,
}

impl Default for TotpParams {
    fn default() -> Self {
        TotpParams {
            algorithm: HashAlgorithm::Sha1,
            digits: 6,
            period: 30,
            skew: 1,
        }
    }
}

impl TotpParams {
    pub fn validate(&self) -> Result<(), DomainError> {
        if !(6..=8).contains(&self.digits) {
            return Err(DomainError::invalid("totp digits must be 6, 7 or 8"));
        }
        if !(15..=300).contains(&self.period) {
            return Err(DomainError::invalid(
                "totp period must be 15 to 300 seconds",
            ));
        }
        if self.skew > 2 {
            return Err(DomainError::invalid("totp skew must be at most 2 steps"));
        }
        Ok(())
    }

    pub fn step_at(&self, now: UnixTime) -> u64 {
        u64::try_from(now.0).unwrap_or(0) / u64::from(self.period.max(1))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpOutcome {
    Accepted {
        step: u64,
    },
    /// The code is right but its step was already used (or an older one was).
    Replayed,
    Wrong,
}

pub fn code_at_step(seed: &Seed, params: &TotpParams, step: u64) -> String {
    hotp::code(seed.expose(), step, params.digits, params.algorithm)
}

/// Checks `code` against every step in the skew window, in constant time per step, and refuses
/// steps at or below `last_step` so that a code is accepted at most once per authenticator.
pub fn verify(
    seed: &Seed,
    params: &TotpParams,
    code: &str,
    now: UnixTime,
    last_step: Option<u64>,
) -> TotpOutcome {
    let code = normalise(code);
    if code.len() != params.digits as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return TotpOutcome::Wrong;
    }
    let current = params.step_at(now);
    let skew = u64::from(params.skew);
    let mut matched = None;
    for step in current.saturating_sub(skew)..=current.saturating_add(skew) {
        let expected = code_at_step(seed, params, step);
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) && matched.is_none() {
            matched = Some(step);
        }
    }
    match (matched, last_step) {
        (None, _) => TotpOutcome::Wrong,
        (Some(step), Some(last)) if step <= last => TotpOutcome::Replayed,
        (Some(step), _) => TotpOutcome::Accepted { step },
    }
}

/// Authenticator apps show codes as `123 456`; people paste them with spaces or dashes.
pub fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc_seed(algorithm: HashAlgorithm) -> Seed {
        let ascii: &[u8] = match algorithm {
            HashAlgorithm::Sha1 => b"12345678901234567890",
            HashAlgorithm::Sha256 => b"12345678901234567890123456789012",
            HashAlgorithm::Sha512 => {
                b"1234567890123456789012345678901234567890123456789012345678901234"
            }
        };
        Seed::new(ascii.to_vec())
    }

    #[test]
    fn rfc_6238_appendix_b_vectors() {
        let table: [(i64, &str, &str, &str); 6] = [
            (59, "94287082", "46119246", "90693936"),
            (1111111109, "07081804", "68084774", "25091201"),
            (1111111111, "14050471", "67062674", "99943326"),
            (1234567890, "89005924", "91819424", "93441116"),
            (2000000000, "69279037", "90698825", "38618901"),
            (20000000000, "65353130", "77737706", "47863826"),
        ];
        for (time, sha1, sha256, sha512) in table {
            for (algorithm, want) in [
                (HashAlgorithm::Sha1, sha1),
                (HashAlgorithm::Sha256, sha256),
                (HashAlgorithm::Sha512, sha512),
            ] {
                let params = TotpParams {
                    algorithm,
                    digits: 8,
                    ..TotpParams::default()
                };
                let step = params.step_at(UnixTime(time));
                assert_eq!(
                    code_at_step(&rfc_seed(algorithm), &params, step),
                    want,
                    "{time} {algorithm:?}"
                );
                let outcome = verify(&rfc_seed(algorithm), &params, want, UnixTime(time), None);
                assert_eq!(outcome, TotpOutcome::Accepted { step });
            }
        }
    }

    #[test]
    fn one_step_of_skew_either_way_and_no_more() {
        let seed = rfc_seed(HashAlgorithm::Sha1);
        let params = TotpParams::default();
        let now = UnixTime(1_000_000_020); // inside step 33_333_334
        let step = params.step_at(now);
        for (offset, accepted) in [(-2i64, false), (-1, true), (0, true), (1, true), (2, false)] {
            let code = code_at_step(&seed, &params, step.checked_add_signed(offset).unwrap());
            let outcome = verify(&seed, &params, &code, now, None);
            assert_eq!(
                matches!(outcome, TotpOutcome::Accepted { .. }),
                accepted,
                "offset {offset}"
            );
        }
    }

    #[test]
    fn a_step_is_accepted_once_and_older_steps_never_again() {
        let seed = rfc_seed(HashAlgorithm::Sha1);
        let params = TotpParams::default();
        let now = UnixTime(1_700_000_000);
        let step = params.step_at(now);
        let code = code_at_step(&seed, &params, step);
        assert_eq!(
            verify(&seed, &params, &code, now, Some(step - 1)),
            TotpOutcome::Accepted { step }
        );
        assert_eq!(
            verify(&seed, &params, &code, now, Some(step)),
            TotpOutcome::Replayed
        );
        let previous = code_at_step(&seed, &params, step - 1);
        assert_eq!(
            verify(&seed, &params, &previous, now, Some(step)),
            TotpOutcome::Replayed
        );
    }

    #[test]
    fn codes_of_the_wrong_shape_are_wrong_not_errors() {
        let seed = rfc_seed(HashAlgorithm::Sha1);
        let params = TotpParams::default();
        for code in ["", "12345", "1234567", "abcdef", "１２３４５６"] {
            assert_eq!(
                verify(&seed, &params, code, UnixTime(59), None),
                TotpOutcome::Wrong
            );
        }
        let spaced = code_at_step(&seed, &params, params.step_at(UnixTime(59)));
        let spaced = format!("{} {}", &spaced[..3], &spaced[3..]);
        assert!(matches!(
            verify(&seed, &params, &spaced, UnixTime(59), None),
            TotpOutcome::Accepted { .. }
        ));
    }
}
