//! The words of code messages, in the person's language (English and German for now). They say
//! the code, what it is for and how long it is valid — nothing else.

use crate::CodeMessage;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessagePurpose {
    SignIn,
    VerifyEmail,
    VerifyPhone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Language {
    English,
    German,
}

fn language(tag: Option<&str>) -> Language {
    match tag.map(|t| t.trim().to_ascii_lowercase()) {
        Some(t) if t == "de" || t.starts_with("de-") => Language::German,
        _ => Language::English,
    }
}

fn minutes(seconds: u64) -> u64 {
    seconds.div_ceil(60).max(1)
}

fn purpose_words(purpose: MessagePurpose, lang: Language) -> &'static str {
    match (purpose, lang) {
        (MessagePurpose::SignIn, Language::English) => "to sign in",
        (MessagePurpose::VerifyEmail, Language::English) => "to confirm your email address",
        (MessagePurpose::VerifyPhone, Language::English) => "to confirm your phone number",
        (MessagePurpose::SignIn, Language::German) => "zum Anmelden",
        (MessagePurpose::VerifyEmail, Language::German) => "zur Bestätigung Ihrer E-Mail-Adresse",
        (MessagePurpose::VerifyPhone, Language::German) => "zur Bestätigung Ihrer Telefonnummer",
    }
}

/// One line for an SMS.
pub fn sms_text(message: &CodeMessage) -> String {
    let lang = language(message.language.as_deref());
    let code = message.code.expose();
    let purpose = purpose_words(message.purpose, lang);
    let valid = minutes(message.valid_for_seconds);
    match lang {
        Language::English => format!("Your code {purpose}: {code}. Valid for {valid} minutes."),
        Language::German => format!("Ihr Code {purpose}: {code}. Gültig für {valid} Minuten."),
    }
}

pub struct Email {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub fn email(message: &CodeMessage) -> Email {
    let lang = language(message.language.as_deref());
    let code = message.code.expose();
    let purpose = purpose_words(message.purpose, lang);
    let valid = minutes(message.valid_for_seconds);
    let (subject, intro, validity, ignore) = match lang {
        Language::English => (
            format!("Your code {purpose}"),
            format!("Your code {purpose}:"),
            format!("It is valid for {valid} minutes."),
            "If you did not ask for it, ignore this message.",
        ),
        Language::German => (
            format!("Ihr Code {purpose}"),
            format!("Ihr Code {purpose}:"),
            format!("Er ist {valid} Minuten gültig."),
            "Falls Sie ihn nicht angefordert haben, ignorieren Sie diese Nachricht.",
        ),
    };
    let text = format!("{intro}\n\n    {code}\n\n{validity}\n{ignore}\n");
    // Every piece is ours or digits, but escape anyway: templates outlive their authors.
    let html = format!(
        "<!doctype html><html><body><p>{}</p><p style=\"font-size:24px;font-weight:bold;letter-spacing:4px\">{}</p><p>{}<br>{}</p></body></html>",
        escape(&intro),
        escape(code),
        escape(&validity),
        escape(ignore)
    );
    Email {
        subject,
        text,
        html,
    }
}

fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '&' => "&amp;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use twofold_core::secrets::SecretString;

    use super::*;
    use crate::Destination;

    fn message(language: Option<&str>, purpose: MessagePurpose) -> CodeMessage {
        CodeMessage {
            to: Destination::Email("alice@example.com".into()),
            code: SecretString::new("493817".into()),
            purpose,
            valid_for_seconds: 300,
            exchange_id: "x".into(),
            language: language.map(str::to_owned),
        }
    }

    #[test]
    fn messages_say_the_code_its_purpose_and_its_validity() {
        let sms = sms_text(&message(None, MessagePurpose::SignIn));
        assert_eq!(sms, "Your code to sign in: 493817. Valid for 5 minutes.");
        let mail = email(&message(Some("en-GB"), MessagePurpose::VerifyEmail));
        assert!(
            mail.text.contains("493817")
                && mail.text.contains("confirm your email")
                && mail.text.contains("5 minutes")
        );
        assert!(mail.html.contains("493817") && mail.html.starts_with("<!doctype html>"));
        // Subjects show in notifications, lock screens and mail logs: no code there.
        assert_eq!(mail.subject, "Your code to confirm your email address");
        assert!(!mail.subject.contains("493817"));
    }

    #[test]
    fn german_is_used_when_the_person_reads_german() {
        let sms = sms_text(&message(Some("de-CH"), MessagePurpose::VerifyPhone));
        assert_eq!(
            sms,
            "Ihr Code zur Bestätigung Ihrer Telefonnummer: 493817. Gültig für 5 Minuten."
        );
        assert!(
            email(&message(Some("de"), MessagePurpose::SignIn))
                .subject
                .starts_with("Ihr Code")
        );
        assert!(sms_text(&message(Some("fr"), MessagePurpose::SignIn)).starts_with("Your code"));
    }
}
