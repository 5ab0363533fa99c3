//! Masked contact points: enough for a person to recognise their own, not enough to harvest.

/// `mike@example.com` → `m***e@e*****e.com`.
pub fn email(address: &str) -> String {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return "***".to_owned();
    };
    let (name, suffix) = match domain.rsplit_once('.') {
        Some((name, tld)) => (name, format!(".{tld}")),
        None => (domain, String::new()),
    };
    format!(
        "{}@{}{}",
        ends_only(local, Some(3)),
        ends_only(name, None),
        suffix
    )
}

/// `+41791234567` → `+41*******67`.
pub fn phone(number: &str) -> String {
    let digits: Vec<char> = number.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 6 {
        return "***".to_owned();
    }
    let head: String = digits[..2].iter().collect();
    let tail: String = digits[digits.len() - 2..].iter().collect();
    format!("+{head}{}{tail}", "*".repeat(digits.len() - 4))
}

/// First and last character with stars between: `fixed` stars, or as many as were hidden.
fn ends_only(text: &str, fixed: Option<usize>) -> String {
    let chars: Vec<char> = text.chars().collect();
    match chars.as_slice() {
        [] => "***".to_owned(),
        [only] | [only, _] => format!("{only}***"),
        [first, .., last] => {
            let stars = fixed.unwrap_or(chars.len() - 2);
            format!("{first}{}{last}", "*".repeat(stars))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_keep_only_their_edges() {
        assert_eq!(email("mike@example.com"), "m***e@e*****e.com");
        assert_eq!(email("a@b.io"), "a***@b***.io");
        assert_eq!(email("someone.long@mail.co.uk"), "s***g@m*****o.uk");
        assert_eq!(email("not-an-email"), "***");
    }

    #[test]
    fn phones_keep_country_prefix_and_last_two_digits() {
        assert_eq!(phone("+41791234567"), "+41*******67");
        assert_eq!(phone("+1 415 555 0100"), "+14*******00");
        assert_eq!(phone("+123"), "***");
    }
}
