//! Challenges: one live per user, channel and purpose; attempts taken atomically; consumed once.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;
use twofold_core::UnixTime;
use twofold_core::challenge::{Challenge, Channel, Purpose};

use super::PgStore;
use super::rows::{corrupt, count, time, token_hash};
use crate::{Challenges, StoreError};

fn challenge(row: &PgRow) -> Result<Challenge, StoreError> {
    let channel: String = row.try_get("channel")?;
    let purpose: String = row.try_get("purpose")?;
    Ok(Challenge {
        id: row.try_get("id")?,
        tenant_id: row.try_get("tenant_id")?,
        user_id: row.try_get("user_id")?,
        channel: Channel::parse(&channel).ok_or_else(|| corrupt("challenges.channel"))?,
        purpose: Purpose::parse(&purpose).ok_or_else(|| corrupt("challenges.purpose"))?,
        destination: row.try_get("destination")?,
        code_hash: token_hash(row, "code_hash")?,
        created_at: time(row, "created_at")?,
        expires_at: time(row, "expires_at")?,
        attempts_left: count(row, "attempts_left")?,
    })
}

#[async_trait]
impl Challenges for PgStore {
    /// One statement: the live challenge of the same user, channel and purpose goes as this one
    /// comes in.
    async fn replace_challenge(&self, c: &Challenge) -> Result<(), StoreError> {
        sqlx::query(
            "WITH voided AS (DELETE FROM challenges WHERE user_id = $3 AND channel = $4 AND purpose = $5) \
             INSERT INTO challenges (id, tenant_id, user_id, channel, purpose, destination, code_hash, \
             created_at, expires_at, attempts_left) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&c.id)
        .bind(&c.tenant_id)
        .bind(&c.user_id)
        .bind(c.channel.as_str())
        .bind(c.purpose.as_str())
        .bind(&c.destination)
        .bind(c.code_hash.0)
        .bind(c.created_at.0)
        .bind(c.expires_at.0)
        .bind(i64::from(c.attempts_left))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn live_challenge(
        &self,
        user_id: &str,
        channel: Channel,
        purpose: Purpose,
    ) -> Result<Option<Challenge>, StoreError> {
        let row = sqlx::query(
            "SELECT id, tenant_id, user_id, channel, purpose, destination, code_hash, created_at, \
             expires_at, attempts_left FROM challenges \
             WHERE user_id = $1 AND channel = $2 AND purpose = $3",
        )
        .bind(user_id)
        .bind(channel.as_str())
        .bind(purpose.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(challenge).transpose()
    }

    async fn take_challenge_attempt(
        &self,
        id: &str,
        now: UnixTime,
    ) -> Result<Option<u32>, StoreError> {
        let row = sqlx::query(
            "UPDATE challenges SET attempts_left = attempts_left - 1 \
             WHERE id = $1 AND attempts_left > 0 AND expires_at > $2 RETURNING attempts_left",
        )
        .bind(id)
        .bind(now.0)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| count(&r, "attempts_left")).transpose()
    }

    async fn consume_challenge(&self, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM challenges WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
