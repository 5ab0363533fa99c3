//! Challenges: one live per user, channel and purpose; attempts taken atomically; consumed once.

use sqlx::Row;
use sqlx::any::AnyRow;
use twofold_core::UnixTime;
use twofold_core::challenge::{Challenge, Channel, Purpose};
use twofold_core::secrets::TokenHash;

use super::SqlStore;
use crate::StoreError;

const COLUMNS: &str = "id, tenant_id, user_id, channel, purpose, destination, code_hash, created_at, expires_at, attempts_left";

fn challenge(row: &AnyRow) -> Result<Challenge, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("challenges.{what}"));
    let channel: String = row.try_get("channel")?;
    let purpose: String = row.try_get("purpose")?;
    let hash: Vec<u8> = row.try_get("code_hash")?;
    Ok(Challenge {
        id: row.try_get("id")?,
        tenant_id: row.try_get("tenant_id")?,
        user_id: row.try_get("user_id")?,
        channel: Channel::parse(&channel).ok_or_else(|| corrupt("channel"))?,
        purpose: Purpose::parse(&purpose).ok_or_else(|| corrupt("purpose"))?,
        destination: row.try_get("destination")?,
        code_hash: TokenHash::from_slice(&hash).ok_or_else(|| corrupt("code_hash"))?,
        created_at: UnixTime(row.try_get("created_at")?),
        expires_at: UnixTime(row.try_get("expires_at")?),
        attempts_left: u32::try_from(row.try_get::<i64, _>("attempts_left")?)
            .map_err(|_| corrupt("attempts_left"))?,
    })
}

impl SqlStore {
    pub(super) async fn replace_challenge_rows(&self, c: &Challenge) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM challenges WHERE user_id = $1 AND channel = $2 AND purpose = $3")
            .bind(&c.user_id)
            .bind(c.channel.as_str())
            .bind(c.purpose.as_str())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO challenges (id, tenant_id, user_id, channel, purpose, destination, code_hash, created_at, expires_at, attempts_left) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&c.id)
        .bind(&c.tenant_id)
        .bind(&c.user_id)
        .bind(c.channel.as_str())
        .bind(c.purpose.as_str())
        .bind(&c.destination)
        .bind(c.code_hash.0.to_vec())
        .bind(c.created_at.0)
        .bind(c.expires_at.0)
        .bind(i64::from(c.attempts_left))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn live_challenge_row(
        &self,
        user_id: &str,
        channel: Channel,
        purpose: Purpose,
    ) -> Result<Option<Challenge>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM challenges WHERE user_id = $1 AND channel = $2 AND purpose = $3"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(user_id)
            .bind(channel.as_str())
            .bind(purpose.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(challenge).transpose()
    }

    pub(super) async fn take_challenge_attempt_row(
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
        row.map(|r| {
            u32::try_from(r.try_get::<i64, _>(0)?)
                .map_err(|_| StoreError::Corrupt("attempts_left".into()))
        })
        .transpose()
    }

    pub(super) async fn consume_challenge_row(&self, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM challenges WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
