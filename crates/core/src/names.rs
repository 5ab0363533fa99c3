//! Names people type and read: how a login name is folded to one form, and which characters no
//! name may hold because they make it look like something it is not.
//!
//! A login name is folded with Unicode NFKC and lower case, so `Alice`, `ALICE` and the
//! full-width `Ａｌｉｃｅ` are one login. Names people read (usernames, app and authenticator
//! names) refuse control characters, bidirectional overrides, embeddings, isolates and marks, and
//! invisible format characters: `admin\u{202E}gpj.exe` would show as something else, and
//! `alice\u{200B}` would look exactly like `alice`.

use unicode_normalization::UnicodeNormalization;

use crate::DomainError;

/// The one form of a login name (username or email) that storage and lookups use: trimmed,
/// NFKC, lower case. Infallible, so it also keys lookups and throttles for names that were never
/// valid; [`check_readable`] and the username and email rules decide what may be stored.
pub fn normalise_login_name(raw: &str) -> String {
    // Lower-casing can leave a string that is no longer NFKC (a few compatibility characters
    // fold to sequences that compose), so normalise on both sides of it.
    let folded: String = raw.trim().nfkc().collect::<String>().to_lowercase();
    folded.nfkc().collect()
}

/// A name people read, in one canonical form (NFC, so `é` typed either way is one name), trimmed.
pub fn normalise_display_name(raw: &str) -> String {
    raw.trim().nfc().collect()
}

/// Refuses the characters that make a name display as something other than what it is.
/// `what` names the field in the error.
pub fn check_readable(name: &str, what: &str) -> Result<(), DomainError> {
    match name.chars().find(|c| deceives(*c)) {
        Some(c) => Err(DomainError::invalid(format!(
            "{what} must not contain control, bidirectional or invisible characters (found U+{:04X})",
            u32::from(c)
        ))),
        None => Ok(()),
    }
}

/// As [`check_readable`], and stricter for login names, which people type and must never mistake
/// for one another: joiners and variation selectors (which emoji sequences and some scripts need
/// in display names), emoji and pictographs (a dozen look-alike variants each), and whitespace are
/// refused too.
pub fn check_login_name(name: &str, what: &str) -> Result<(), DomainError> {
    check_readable(name, what)?;
    match name
        .chars()
        .find(|c| c.is_whitespace() || refused_in_login(*c))
    {
        Some(c) => Err(DomainError::invalid(format!(
            "{what} must not contain spaces, emoji or invisible characters (found U+{:04X})",
            u32::from(c)
        ))),
        None => Ok(()),
    }
}

/// Control characters, bidirectional formatting and invisible format characters.
fn deceives(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            // Bidirectional marks, embeddings, overrides and isolates (UAX #9).
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
            // Zero-width space, word joiner and invisible operators, byte-order mark.
            | '\u{200B}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
            // Deprecated format characters (inhibit/activate swapping, shaping, digits).
            | '\u{206A}'..='\u{206F}'
            // Soft hyphen, Mongolian vowel separator, Hangul fillers, combining grapheme joiner.
            | '\u{00AD}' | '\u{180E}' | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' | '\u{034F}'
            // Line and paragraph separators, interlinear annotations, tag characters.
            | '\u{2028}' | '\u{2029}' | '\u{FFF9}'..='\u{FFFB}' | '\u{E0000}'..='\u{E007F}'
        )
}

/// Joiners and variation selectors (legitimate in display names, invisible in a login), and the
/// blocks emoji and pictographs live in.
fn refused_in_login(c: char) -> bool {
    matches!(
        c,
        '\u{200C}' | '\u{200D}' | '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}' | '\u{180B}'..='\u{180D}'
            | '\u{2190}'..='\u{21FF}' | '\u{2300}'..='\u{23FF}' | '\u{25A0}'..='\u{27BF}'
            | '\u{2900}'..='\u{2BFF}' | '\u{1F000}'..='\u{1FAFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_names_fold_case_and_compatibility_forms_to_one() {
        for same in [
            "alice",
            "Alice",
            "ALICE",
            " alice ",
            "Ａｌｉｃｅ",
            "ａｌｉｃｅ",
        ] {
            assert_eq!(normalise_login_name(same), "alice", "{same}");
        }
        // Decomposed and composed accents are one name.
        assert_eq!(normalise_login_name("Jose\u{0301}"), "jos\u{e9}");
        assert_eq!(normalise_login_name("JOS\u{c9}"), "jos\u{e9}");
        // Ligatures and superscripts are their plain letters.
        assert_eq!(normalise_login_name("\u{FB01}ona"), "fiona");
        assert_eq!(normalise_login_name("Bob\u{00B2}"), "bob2");
        assert_eq!(
            normalise_login_name("Alice@Example.COM"),
            "alice@example.com"
        );
    }

    #[test]
    fn folding_is_idempotent() {
        for raw in ["Ǆemal", "ΣΊΣΥΦΟΣ", "İstanbul", "\u{FB01}", "Straße", "ǅ"] {
            let once = normalise_login_name(raw);
            assert_eq!(normalise_login_name(&once), once, "{raw}");
        }
    }

    #[test]
    fn names_that_display_as_something_else_are_refused() {
        for bad in [
            "admin\u{202E}gpj.exe",
            "\u{202D}alice",
            "alice\u{2066}x\u{2069}",
            "alice\u{200E}",
            "alice\u{200F}",
            "alice\u{061C}",
            "ali\u{200B}ce",
            "alice\u{FEFF}",
            "ali\u{00AD}ce",
            "alice\u{0007}",
            "alice\nbob",
            "alice\u{2028}",
            "alice\u{E0041}",
        ] {
            assert!(check_readable(bad, "name").is_err(), "{bad:?}");
            assert!(check_login_name(bad, "username").is_err(), "{bad:?}");
        }
    }

    #[test]
    fn display_names_keep_emoji_and_scripts_that_need_joiners() {
        for good in [
            "YubiKey 5C",
            "🔑 work key",
            "👩\u{200D}💻 laptop",
            "❤\u{FE0F} phone",
            "می\u{200C}خواهم",
            "Grüße",
            "Ελένη",
            "אבג",
        ] {
            assert!(check_readable(good, "name").is_ok(), "{good:?}");
        }
    }

    #[test]
    fn login_names_refuse_joiners_emoji_and_spaces_but_allow_letters_of_any_script() {
        for bad in [
            "ali\u{200D}ce",
            "alice\u{FE0F}",
            "al ice",
            "al\u{00A0}ice",
            "alice🙂",
            "🔑",
            "alice\u{2764}",
        ] {
            assert!(check_login_name(bad, "username").is_err(), "{bad:?}");
        }
        for good in [
            "alice",
            "jos\u{e9}",
            "ελένη",
            "алиса",
            "李雷",
            "o'brien",
            "a.b-c_d",
        ] {
            assert!(check_login_name(good, "username").is_ok(), "{good:?}");
        }
    }

    #[test]
    fn display_names_are_composed_and_trimmed() {
        assert_eq!(normalise_display_name("  Jose\u{0301} "), "Jos\u{e9}");
    }
}
