//! Backup codes: a set of single-use recovery codes, shown once and stored only as keyed hashes.

/// 32 symbols with nothing easily mistaken (no 0/O, 1/I): a byte modulo 32 is unbiased.
const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
pub const CODES_PER_SET: usize = 10;
pub const CODE_LEN: usize = 10;
/// How many random bytes one set needs.
pub const RANDOM_BYTES: usize = CODES_PER_SET * CODE_LEN;

/// Turns random bytes into a set of codes, formatted `ABCDE-FGHJK` for reading aloud.
pub fn generate(random: &[u8; RANDOM_BYTES]) -> Vec<String> {
    random
        .chunks(CODE_LEN)
        .map(|chunk| {
            let symbols: String = chunk
                .iter()
                .map(|b| char::from(ALPHABET[usize::from(b % 32)]))
                .collect();
            format!("{}-{}", &symbols[..CODE_LEN / 2], &symbols[CODE_LEN / 2..])
        })
        .collect()
}

/// The canonical form a code is hashed in: separators and case do not matter to the person typing.
/// Returns `None` for input that cannot be a backup code.
pub fn normalise(input: &str) -> Option<String> {
    let code: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let well_formed = code.len() == CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b));
    well_formed.then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_has_ten_distinct_readable_codes() {
        let random: [u8; RANDOM_BYTES] = std::array::from_fn(|i| (i * 37 + 11) as u8);
        let codes = generate(&random);
        assert_eq!(codes.len(), CODES_PER_SET);
        for code in &codes {
            assert_eq!(code.len(), CODE_LEN + 1);
            assert!(normalise(code).is_some(), "{code}");
            assert!(!code.contains(['0', 'O', '1', 'I']));
        }
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), CODES_PER_SET);
    }

    #[test]
    fn typing_variations_normalise_to_one_form() {
        assert_eq!(normalise("abcde-fghjk").as_deref(), Some("ABCDEFGHJK"));
        assert_eq!(normalise(" ABCDE FGHJK ").as_deref(), Some("ABCDEFGHJK"));
        assert_eq!(normalise("ABCDEFGHJ"), None);
        assert_eq!(normalise("ABCDEFGHJ0"), None);
        assert_eq!(normalise("ÄBCDEFGHJK"), None);
    }
}
