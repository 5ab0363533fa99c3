//! Which questions a check asks, and whether a set of answers to them holds.
//!
//! The subset is a pure function of the user's questions and a random value the caller drew. The
//! caller stores what was chosen with the user's security-questions authenticator and passes it
//! back as `pending` until a check is decided (passed or failed) or the answers are enrolled
//! anew: asking again returns the same questions, so nobody can re-roll until easier ones come
//! up. Only a decided check (which spends the second-factor budget when wrong) rolls again.

use std::fmt;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::answer::{NormalisedAnswer, normalise_answer};
use crate::DomainError;

/// The questions a check asks now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    /// Question ids, in the order the user enrolled them.
    pub question_ids: Vec<String>,
    /// A new choice: the caller must store it as the user's pending subset.
    pub fresh: bool,
}

/// `count` of `enrolled` (ids, in enrolment order), chosen by `random`: each id is ranked by
/// SHA-256 of the random value and the id, and the lowest `count` are asked, in enrolment order.
/// The same inputs always give the same subset; a uniform `random` gives every subset alike.
pub fn choose_asked(enrolled: &[String], count: u32, random: &[u8; 32]) -> Vec<String> {
    let mut ranked: Vec<([u8; 32], usize)> = enrolled
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let mut hash = Sha256::new();
            hash.update(random);
            hash.update(id.as_bytes());
            (hash.finalize().into(), i)
        })
        .collect();
    ranked.sort();
    let mut chosen: Vec<usize> = ranked
        .into_iter()
        .take(count as usize)
        .map(|(_, i)| i)
        .collect();
    chosen.sort_unstable();
    chosen.into_iter().map(|i| enrolled[i].clone()).collect()
}

/// The questions to ask: the stored `pending` subset while it still names only enrolled
/// questions, else a fresh choice from `random`.
pub fn questions_to_ask(
    enrolled: &[String],
    pending: Option<&[String]>,
    count: u32,
    random: &[u8; 32],
) -> Asked {
    match pending {
        Some(pending) if !pending.is_empty() && pending.iter().all(|id| enrolled.contains(id)) => {
            Asked {
                question_ids: pending.to_vec(),
                fresh: false,
            }
        }
        _ => Asked {
            question_ids: choose_asked(enrolled, count, random),
            fresh: true,
        },
    }
}

/// One answer in a check.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GivenAnswer {
    pub question_id: String,
    pub answer: String,
}

impl fmt::Debug for GivenAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GivenAnswer")
            .field("question_id", &self.question_id)
            .finish_non_exhaustive()
    }
}

/// A set of answers that does not fit the questions asked: refused before any answer is compared,
/// so it costs no attempt (it is a malformed request, not a guess).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AnswerSetError {
    #[error("question `{id}` was asked and is not answered")]
    Missing { id: String },
    #[error("question `{id}` was not asked")]
    NotAsked { id: String },
    #[error("question `{id}` is answered twice")]
    Duplicate { id: String },
}

impl From<AnswerSetError> for DomainError {
    fn from(e: AnswerSetError) -> Self {
        DomainError::invalid(e.to_string())
    }
}

/// Whether every asked question is answered rightly. `matches(question_id, answer)` compares with
/// the stored hash (Argon2id verification). Every answer is compared, right or wrong, so the time
/// taken does not tell which one was wrong.
pub fn answers_match(
    asked: &[String],
    given: &[GivenAnswer],
    mut matches: impl FnMut(&str, &NormalisedAnswer) -> bool,
) -> Result<bool, AnswerSetError> {
    for (i, answer) in given.iter().enumerate() {
        let id = &answer.question_id;
        if !asked.contains(id) {
            return Err(AnswerSetError::NotAsked { id: id.clone() });
        }
        if given[..i].iter().any(|a| &a.question_id == id) {
            return Err(AnswerSetError::Duplicate { id: id.clone() });
        }
    }
    if let Some(id) = asked
        .iter()
        .find(|id| !given.iter().any(|a| &a.question_id == *id))
    {
        return Err(AnswerSetError::Missing { id: id.clone() });
    }
    let mut all = true;
    for answer in given {
        all &= matches(&answer.question_id, &normalise_answer(&answer.answer));
    }
    Ok(all)
}
