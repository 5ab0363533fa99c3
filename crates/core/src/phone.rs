//! Phone numbers: parsed and validated with libphonenumber's metadata, kept in E.164.

use crate::DomainError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    /// `+41791234567`.
    pub e164: String,
    /// ISO 3166 region (`CH`), when the number belongs to one; SMS allowlists and per-country
    /// send quotas key on it.
    pub country: Option<String>,
}

/// Accepts international numbers (`+41 79 123 45 67`, `+1 (415) 555-2671`); refuses anything
/// libphonenumber does not consider a valid number.
pub fn parse(raw: &str) -> Result<Phone, DomainError> {
    let refused =
        || DomainError::invalid("phone must be a valid international number such as +41791234567");
    let raw = raw.trim();
    if !raw.starts_with('+') || raw.len() > 32 {
        return Err(refused());
    }
    let number = phonenumber::parse(None, raw).map_err(|_| refused())?;
    if !phonenumber::is_valid(&number) {
        return Err(refused());
    }
    Ok(Phone {
        e164: number.format().mode(phonenumber::Mode::E164).to_string(),
        country: number.country().id().map(|id| id.as_ref().to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn international_numbers_normalise_to_e164_with_their_country() {
        let swiss = parse("+41 79 123 45 67").unwrap();
        assert_eq!(
            swiss,
            Phone {
                e164: "+41791234567".into(),
                country: Some("CH".into())
            }
        );
        assert_eq!(parse("+1 (415) 555-2671").unwrap().e164, "+14155552671");
    }

    #[test]
    fn impossible_and_national_numbers_are_refused() {
        for bad in [
            "0791234567",
            "+41 12",
            "+0791234567",
            "+41abc",
            "",
            "+999 123456789",
            &"+1".repeat(40),
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
