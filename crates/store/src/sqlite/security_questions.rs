use async_trait::async_trait;
use rusqlite::{Connection, Row};
use twofold_core::Factor;
use twofold_core::authenticator::Authenticator;

use super::SqliteStore;
use super::authenticators::insert;
use super::rows::{all, execute, from_json, json, one, time};
use crate::{QuestionExchange, SecurityQuestions, StoreError, StoredAnswer};

const SELECT_EXCHANGE: &str = "SELECT id, user_id, authenticator_id, question_ids, created_at \
     FROM security_question_exchanges";

fn exchange(row: &Row<'_>) -> Result<QuestionExchange, StoreError> {
    let ids: String = row.get("question_ids")?;
    Ok(QuestionExchange {
        id: row.get("id")?,
        user_id: row.get("user_id")?,
        authenticator_id: row.get("authenticator_id")?,
        question_ids: from_json(&ids, "security_question_exchanges.question_ids")?,
        created_at: time(row, "created_at")?,
    })
}

fn exchange_of(conn: &Connection, user_id: &str) -> Result<Option<QuestionExchange>, StoreError> {
    let sql = format!("{SELECT_EXCHANGE} WHERE user_id = ?1");
    one(conn, &sql, [user_id], exchange)
}

#[async_trait]
impl SecurityQuestions for SqliteStore {
    async fn replace_security_answers(
        &self,
        authenticator: &Authenticator,
        answers: &[StoredAnswer],
    ) -> Result<(), StoreError> {
        let (authenticator, answers) = (authenticator.clone(), answers.to_vec());
        self.write(move |conn| {
            // The old set's answers and pending exchange go with it (ON DELETE CASCADE).
            execute(
                conn,
                "DELETE FROM authenticators WHERE user_id = ?1 AND factor = ?2",
                (&authenticator.user_id, Factor::SecurityQuestions.as_str()),
            )?;
            insert(conn, &authenticator)?;
            for (position, answer) in answers.iter().enumerate() {
                execute(
                    conn,
                    "INSERT INTO security_answers (authenticator_id, user_id, position, \
                     question_id, question_text, answer_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    rusqlite::params![
                        authenticator.id,
                        authenticator.user_id,
                        i64::try_from(position).unwrap_or(i64::MAX),
                        answer.question_id,
                        answer.question_text,
                        answer.answer_hash,
                    ],
                )?;
            }
            Ok(())
        })
        .await
    }

    async fn security_answers(&self, user_id: &str) -> Result<Vec<StoredAnswer>, StoreError> {
        let user_id = user_id.to_owned();
        self.read(move |conn| {
            all(
                conn,
                "SELECT question_id, question_text, answer_hash FROM security_answers \
                 WHERE user_id = ?1 ORDER BY position",
                [user_id],
                |row| {
                    Ok(StoredAnswer {
                        question_id: row.get("question_id")?,
                        question_text: row.get("question_text")?,
                        answer_hash: row.get("answer_hash")?,
                    })
                },
            )
        })
        .await
    }

    async fn question_exchange(
        &self,
        user_id: &str,
    ) -> Result<Option<QuestionExchange>, StoreError> {
        let user_id = user_id.to_owned();
        self.read(move |conn| exchange_of(conn, &user_id)).await
    }

    async fn open_question_exchange(
        &self,
        exchange: &QuestionExchange,
    ) -> Result<QuestionExchange, StoreError> {
        let e = exchange.clone();
        let ids = json(&e.question_ids)?;
        self.write(move |conn| {
            execute(
                conn,
                "INSERT INTO security_question_exchanges \
                 (id, user_id, authenticator_id, question_ids, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (user_id) DO NOTHING",
                (&e.id, &e.user_id, &e.authenticator_id, ids, e.created_at.0),
            )?;
            exchange_of(conn, &e.user_id)?
                .ok_or_else(|| StoreError::Database("the question exchange vanished".to_owned()))
        })
        .await
    }

    async fn end_question_exchange(&self, id: &str) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.write(move |conn| {
            let ended = execute(
                conn,
                "DELETE FROM security_question_exchanges WHERE id = ?1",
                [id],
            )?;
            Ok(ended == 1)
        })
        .await
    }
}
