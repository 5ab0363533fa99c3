//! Security questions (factor `security-questions`, amr `kba`): the tenant's catalogue, what a
//! user must answer at enrolment, and which of their questions a check asks.
//!
//! Knowledge on top of a password is knowledge again, not a second kind of proof: the factor is
//! *weak* ([`Factor::is_weak`](crate::Factor::is_weak)). An app can leave it out of its
//! `allowed_factors`, a requirement that names other factors leaves it out, and it never carries
//! an `mfa`-level acr (or the `mfa` amr) on its own ([`crate::acr::counting_for_level`]).
//!
//! Answers are normalised here ([`normalise_answer`]) and hashed with Argon2id by the caller
//! ([`crate::password::hash`] with a fresh salt): the domain never sees a stored answer in the
//! clear, and compares through the caller's `matches` function ([`answers_match`]).

use serde::{Deserialize, Serialize};

use crate::names;
use crate::{DomainError, Factor};

mod answer;
mod ask;

pub use answer::{
    AnswerInput, EnrolledAnswer, EnrolmentError, MIN_ANSWER_CHARS, NormalisedAnswer, QuestionRef,
    normalise_answer, validate_enrolment,
};
pub use ask::{AnswerSetError, Asked, GivenAnswer, answers_match, choose_asked, questions_to_ask};

/// Own questions get ids of this form (`own-1`, `own-2`…), so catalogue ids may not use it.
pub const OWN_PREFIX: &str = "own-";

/// At most this many answers are kept per user: each is an Argon2id hash to compute.
pub const MAX_ANSWERS: usize = 10;

/// At most this many questions in a tenant's catalogue.
pub const MAX_CATALOGUE: usize = 100;

/// A question's text in the languages the hosted UI speaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionText {
    pub en: String,
    pub de: String,
}

impl QuestionText {
    /// The text for a BCP 47 tag (`de-CH` → German); English otherwise.
    pub fn for_language(&self, language: Option<&str>) -> &str {
        match language {
            Some(tag) if tag.get(..2).is_some_and(|l| l.eq_ignore_ascii_case("de")) => &self.de,
            _ => &self.en,
        }
    }
}

/// One question of the tenant's catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueQuestion {
    /// Stable: enrolled answers refer to it. Lower-case letters, digits, `-` and `_`.
    pub id: String,
    pub text: QuestionText,
}

/// The tenant's security-question settings (`security_questions` in the login settings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityQuestionsPolicy {
    pub catalogue: Vec<CatalogueQuestion>,
    /// How many questions a user answers at enrolment, at least.
    pub required_at_enrolment: u32,
    /// How many of the user's questions one check asks.
    pub asked_per_check: u32,
    /// Whether users may write questions of their own instead of picking from the catalogue.
    pub allow_own_questions: bool,
}

impl Default for SecurityQuestionsPolicy {
    fn default() -> Self {
        SecurityQuestionsPolicy {
            catalogue: Vec::new(),
            required_at_enrolment: 3,
            asked_per_check: 2,
            allow_own_questions: false,
        }
    }
}

impl SecurityQuestionsPolicy {
    /// `offered`: whether `security-questions` is among the tenant's second factors. Only then
    /// must a user be able to enrol, so only then must the catalogue be large enough.
    pub fn validate(&self, offered: bool) -> Result<(), DomainError> {
        let error = |m: String| DomainError::invalid(format!("security_questions: {m}"));
        let invalid = |m: String| Err(error(m));
        let max = u32::try_from(MAX_ANSWERS).unwrap_or(u32::MAX);
        if !(1..=max).contains(&self.required_at_enrolment) {
            return invalid(format!("required_at_enrolment must be 1 to {max}"));
        }
        if !(1..=self.required_at_enrolment).contains(&self.asked_per_check) {
            return invalid("asked_per_check must be 1 to required_at_enrolment".into());
        }
        if self.catalogue.len() > MAX_CATALOGUE {
            return invalid(format!("at most {MAX_CATALOGUE} questions"));
        }
        for (i, question) in self.catalogue.iter().enumerate() {
            check_id(&question.id).map_err(error)?;
            if self.catalogue[..i].iter().any(|q| q.id == question.id) {
                return invalid(format!("question `{}` is listed twice", question.id));
            }
            for text in [&question.text.en, &question.text.de] {
                check_question_text(text).map_err(|e| error(format!("`{}`: {e}", question.id)))?;
            }
        }
        let enough = self.catalogue.len() >= self.required_at_enrolment as usize;
        if offered && !enough && !self.allow_own_questions {
            return invalid(format!(
                "`{}` is a second factor, so the catalogue needs at least {} questions (or allow_own_questions)",
                Factor::SecurityQuestions,
                self.required_at_enrolment
            ));
        }
        Ok(())
    }

    pub fn question(&self, id: &str) -> Option<&CatalogueQuestion> {
        self.catalogue.iter().find(|q| q.id == id)
    }
}

fn check_id(id: &str) -> Result<(), String> {
    let shape = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !shape {
        return Err(format!(
            "question id `{id}` must be 1 to 64 of a-z, 0-9, - and _"
        ));
    }
    if id.starts_with(OWN_PREFIX) {
        return Err(format!(
            "question id `{id}` must not start with `{OWN_PREFIX}` (kept for users' own questions)"
        ));
    }
    Ok(())
}

/// A question people read: 3 to 300 printable characters. Returns the canonical form.
pub fn check_question_text(raw: &str) -> Result<String, DomainError> {
    let text = names::normalise_display_name(raw);
    let chars = text.chars().count();
    if !(3..=300).contains(&chars) {
        return Err(DomainError::invalid(
            "a question must have 3 to 300 characters",
        ));
    }
    names::check_readable(&text, "a question")?;
    Ok(text)
}

#[cfg(test)]
mod tests;
