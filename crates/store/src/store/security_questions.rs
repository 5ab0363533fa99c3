use std::fmt;

use crate::StoreError;
use async_trait::async_trait;
use twofold_core::UnixTime;
use twofold_core::authenticator::Authenticator;

/// One enrolled answer: its question and the Argon2id hash (PHC string) of the normalised answer.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    /// A catalogue question's id, or `own-1`… for a user's own question.
    pub question_id: String,
    /// The text of a user's own question; `None` for a catalogue question.
    pub question_text: Option<String>,
    pub answer_hash: String,
}

impl fmt::Debug for StoredAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredAnswer")
            .field("question_id", &self.question_id)
            .field("question_text", &self.question_text)
            .finish_non_exhaustive()
    }
}

/// The questions a check asks a user, kept until a check is decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionExchange {
    /// The exchange id a check names.
    pub id: String,
    pub user_id: String,
    /// The answer set asked about: a new set ends the exchange with the old one.
    pub authenticator_id: String,
    /// In the order the user enrolled them.
    pub question_ids: Vec<String>,
    pub created_at: UnixTime,
}

/// Security questions: a user's answer set (one authenticator of factor `security-questions`)
/// and the one exchange pending per user.
#[async_trait]
pub trait SecurityQuestions: Send + Sync {
    /// Stores a new answer set as `authenticator` with its answers in the order given, removing
    /// the user's earlier set and with it any exchange pending about it; all or nothing.
    async fn replace_security_answers(
        &self,
        authenticator: &Authenticator,
        answers: &[StoredAnswer],
    ) -> Result<(), StoreError>;

    /// The answers of the user's set, in enrolment order (none without a set).
    async fn security_answers(&self, user_id: &str) -> Result<Vec<StoredAnswer>, StoreError>;

    /// The user's pending exchange, if any.
    async fn question_exchange(
        &self,
        user_id: &str,
    ) -> Result<Option<QuestionExchange>, StoreError>;

    /// Keeps `exchange` as the user's pending one unless one is pending already, and answers the
    /// one pending after: of two racing openings, both get the same questions.
    async fn open_question_exchange(
        &self,
        exchange: &QuestionExchange,
    ) -> Result<QuestionExchange, StoreError>;

    /// Ends the exchange (a decided check); true for exactly one caller.
    async fn end_question_exchange(&self, id: &str) -> Result<bool, StoreError>;
}
