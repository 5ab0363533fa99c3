use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;
use twofold_core::Factor;
use twofold_core::authenticator::Authenticator;

use super::PgStore;
use super::authenticators::{INSERT_AUTHENTICATOR, bind_authenticator};
use super::rows::{corrupt, json, time};
use crate::{QuestionExchange, SecurityQuestions, StoreError, StoredAnswer};

const SELECT_EXCHANGE: &str = "SELECT id, user_id, authenticator_id, question_ids, created_at \
     FROM security_question_exchanges WHERE user_id = $1";

/// How often an opening retries when the exchange it lost to was ended before it could read it.
const OPEN_TRIES: usize = 3;

fn exchange(row: &PgRow) -> Result<QuestionExchange, StoreError> {
    let ids: String = row.try_get("question_ids")?;
    Ok(QuestionExchange {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        authenticator_id: row.try_get("authenticator_id")?,
        question_ids: serde_json::from_str(&ids)
            .map_err(|_| corrupt("security_question_exchanges.question_ids"))?,
        created_at: time(row, "created_at")?,
    })
}

#[async_trait]
impl SecurityQuestions for PgStore {
    /// Two statements in one transaction: the old set goes (its answers and pending exchange by
    /// cascade), then the new authenticator with all its answers is one statement.
    async fn replace_security_answers(
        &self,
        a: &Authenticator,
        answers: &[StoredAnswer],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM authenticators WHERE user_id = $1 AND factor = $2")
            .bind(&a.user_id)
            .bind(Factor::SecurityQuestions.as_str())
            .execute(&mut *tx)
            .await?;
        let insert = format!(
            "WITH added AS ({INSERT_AUTHENTICATOR} RETURNING id, user_id) \
             INSERT INTO security_answers (authenticator_id, user_id, position, question_id, \
             question_text, answer_hash) \
             SELECT added.id, added.user_id, s.position - 1, s.question_id, s.question_text, \
             s.answer_hash FROM added, \
             unnest($11::text[], $12::text[], $13::text[]) WITH ORDINALITY \
             AS s (question_id, question_text, answer_hash, position)"
        );
        let ids: Vec<&str> = answers.iter().map(|s| s.question_id.as_str()).collect();
        let texts: Vec<Option<&str>> = answers.iter().map(|s| s.question_text.as_deref()).collect();
        let hashes: Vec<&str> = answers.iter().map(|s| s.answer_hash.as_str()).collect();
        bind_authenticator(sqlx::query(sqlx::AssertSqlSafe(insert)), a)?
            .bind(ids)
            .bind(texts)
            .bind(hashes)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn security_answers(&self, user_id: &str) -> Result<Vec<StoredAnswer>, StoreError> {
        let found = sqlx::query(
            "SELECT question_id, question_text, answer_hash FROM security_answers \
             WHERE user_id = $1 ORDER BY position",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        found
            .iter()
            .map(|row| {
                Ok(StoredAnswer {
                    question_id: row.try_get("question_id")?,
                    question_text: row.try_get("question_text")?,
                    answer_hash: row.try_get("answer_hash")?,
                })
            })
            .collect()
    }

    async fn question_exchange(
        &self,
        user_id: &str,
    ) -> Result<Option<QuestionExchange>, StoreError> {
        let found = sqlx::query(SELECT_EXCHANGE)
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        found.as_ref().map(exchange).transpose()
    }

    /// Insert-or-keep, then read: a statement's snapshot would not see a row another opening
    /// committed while this one waited on it, so the read is a statement of its own.
    async fn open_question_exchange(
        &self,
        e: &QuestionExchange,
    ) -> Result<QuestionExchange, StoreError> {
        let ids = json(&e.question_ids)?;
        for _ in 0..OPEN_TRIES {
            sqlx::query(
                "INSERT INTO security_question_exchanges \
                 (id, user_id, authenticator_id, question_ids, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO NOTHING",
            )
            .bind(&e.id)
            .bind(&e.user_id)
            .bind(&e.authenticator_id)
            .bind(&ids)
            .bind(e.created_at.0)
            .execute(&self.pool)
            .await?;
            if let Some(kept) = self.question_exchange(&e.user_id).await? {
                return Ok(kept);
            }
        }
        Err(StoreError::Database(
            "the question exchange kept ending before it could be read".to_owned(),
        ))
    }

    async fn end_question_exchange(&self, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM security_question_exchanges WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
