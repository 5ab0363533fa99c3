//! Answers: one normal form to hash and compare, and the rules an enrolment must meet.

use std::fmt;

use serde::Deserialize;
use thiserror::Error;
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use super::{MAX_ANSWERS, OWN_PREFIX, SecurityQuestionsPolicy, check_question_text};
use crate::{DomainError, names};

/// An answer shorter than this (in characters, after normalisation) is refused.
pub const MIN_ANSWER_CHARS: usize = 3;

/// The longest answer kept, in characters after normalisation: Argon2 hashes it every check.
const MAX_ANSWER_CHARS: usize = 200;

/// An answer in the one form that is hashed and compared. Held in memory that is wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct NormalisedAnswer(Zeroizing<String>);

impl NormalisedAnswer {
    pub fn expose(&self) -> &str {
        &self.0
    }

    fn chars(&self) -> usize {
        self.0.chars().count()
    }
}

impl fmt::Debug for NormalisedAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NormalisedAnswer(…)")
    }
}

/// NFKC, lower case, trimmed, inner whitespace collapsed to one space: `  Zürich ` (with `ü`
/// typed as `u` and a combining diaeresis), `ZÜRICH` and `zürich` are one answer.
///
/// Lower case stands in for Unicode case folding (the standard library has no full fold): the
/// two differ for a few characters only (`ß` stays `ß`, where folding gives `ss`; the final
/// sigma `ς` stays itself). NFKC runs on both sides of it, as for login names.
pub fn normalise_answer(raw: &str) -> NormalisedAnswer {
    let folded = Zeroizing::new(raw.nfkc().collect::<String>().to_lowercase());
    let composed = Zeroizing::new(folded.nfkc().collect::<String>());
    let mut out = String::with_capacity(composed.len());
    for word in composed.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    NormalisedAnswer(Zeroizing::new(out))
}

/// One answer as a user sends it at enrolment: to a catalogue question (`question_id`) or to a
/// question of their own (`question`), exactly one of them.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    #[serde(default)]
    pub question_id: Option<String>,
    #[serde(default)]
    pub question: Option<String>,
    pub answer: String,
}

impl fmt::Debug for AnswerInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnswerInput")
            .field("question_id", &self.question_id)
            .field("question", &self.question)
            .finish_non_exhaustive()
    }
}

/// Which question an enrolled answer belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuestionRef {
    Catalogue {
        id: String,
    },
    /// A user's own question: its id (`own-1`…) and its text in canonical form.
    Own {
        id: String,
        text: String,
    },
}

impl QuestionRef {
    pub fn id(&self) -> &str {
        match self {
            QuestionRef::Catalogue { id } | QuestionRef::Own { id, .. } => id,
        }
    }
}

/// An answer that passed enrolment: the caller hashes `answer` (Argon2id) and stores it with
/// the question, replacing the user's previous set as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolledAnswer {
    pub question: QuestionRef,
    pub answer: NormalisedAnswer,
}

/// Why an enrolment is refused. Messages name questions, never answers.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EnrolmentError {
    #[error("answer at least {required} and at most {max} questions (got {given})")]
    WrongCount {
        required: u32,
        max: usize,
        given: usize,
    },
    #[error("each answer names either question_id or question, not both or neither")]
    AmbiguousQuestion,
    #[error("`{id}` is not a question of the catalogue")]
    UnknownQuestion { id: String },
    #[error("own questions are not allowed here; choose from the catalogue")]
    OwnQuestionsNotAllowed,
    #[error("an own question is not readable: {reason}")]
    BadOwnQuestion { reason: String },
    #[error("question `{id}` is answered twice")]
    DuplicateQuestion { id: String },
    #[error("the answer to `{id}` must have at least {MIN_ANSWER_CHARS} characters")]
    AnswerTooShort { id: String },
    #[error("the answer to `{id}` must have at most {MAX_ANSWER_CHARS} characters")]
    AnswerTooLong { id: String },
    #[error("the answers to `{first}` and `{second}` are the same; each needs its own")]
    SameAnswer { first: String, second: String },
}

impl From<EnrolmentError> for DomainError {
    fn from(e: EnrolmentError) -> Self {
        DomainError::invalid(e.to_string())
    }
}

/// Checks a whole set of answers against the tenant's policy and normalises them. Own questions
/// get the ids `own-1`, `own-2`… in the order given.
pub fn validate_enrolment(
    policy: &SecurityQuestionsPolicy,
    answers: &[AnswerInput],
) -> Result<Vec<EnrolledAnswer>, EnrolmentError> {
    let required = policy.required_at_enrolment;
    if answers.len() < required as usize || answers.len() > MAX_ANSWERS {
        return Err(EnrolmentError::WrongCount {
            required,
            max: MAX_ANSWERS,
            given: answers.len(),
        });
    }
    let mut enrolled: Vec<EnrolledAnswer> = Vec::with_capacity(answers.len());
    // Own questions are compared folded, so `Name of my cat?` and `name of my CAT?` are one.
    let mut own_folded: Vec<(String, String)> = Vec::new();
    for input in answers {
        let question = match (&input.question_id, &input.question) {
            (Some(id), None) => {
                if policy.question(id).is_none() {
                    return Err(EnrolmentError::UnknownQuestion { id: id.clone() });
                }
                if enrolled.iter().any(|e| e.question.id() == id) {
                    return Err(EnrolmentError::DuplicateQuestion { id: id.clone() });
                }
                QuestionRef::Catalogue { id: id.clone() }
            }
            (None, Some(text)) => {
                if !policy.allow_own_questions {
                    return Err(EnrolmentError::OwnQuestionsNotAllowed);
                }
                let text =
                    check_question_text(text).map_err(|e| EnrolmentError::BadOwnQuestion {
                        reason: e.to_string(),
                    })?;
                let folded = names::normalise_login_name(&text);
                if let Some((id, _)) = own_folded.iter().find(|(_, f)| *f == folded) {
                    return Err(EnrolmentError::DuplicateQuestion { id: id.clone() });
                }
                let id = format!("{OWN_PREFIX}{}", own_folded.len() + 1);
                own_folded.push((id.clone(), folded));
                QuestionRef::Own { id, text }
            }
            _ => return Err(EnrolmentError::AmbiguousQuestion),
        };
        let answer = normalise_answer(&input.answer);
        let id = question.id().to_owned();
        if answer.chars() < MIN_ANSWER_CHARS {
            return Err(EnrolmentError::AnswerTooShort { id });
        }
        if answer.chars() > MAX_ANSWER_CHARS {
            return Err(EnrolmentError::AnswerTooLong { id });
        }
        if let Some(same) = enrolled.iter().find(|e| e.answer == answer) {
            return Err(EnrolmentError::SameAnswer {
                first: same.question.id().to_owned(),
                second: id,
            });
        }
        enrolled.push(EnrolledAnswer { question, answer });
    }
    Ok(enrolled)
}
