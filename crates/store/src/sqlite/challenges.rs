//! Challenges: one live per user, channel and purpose; attempts taken atomically; consumed once.

use async_trait::async_trait;
use rusqlite::Row;
use twofold_core::UnixTime;
use twofold_core::challenge::{Challenge, Channel, Purpose};

use super::SqliteStore;
use super::rows::{corrupt, count, execute, hash, one, time};
use crate::{Challenges, StoreError};

fn challenge(row: &Row<'_>) -> Result<Challenge, StoreError> {
    let channel: String = row.get("channel")?;
    let purpose: String = row.get("purpose")?;
    Ok(Challenge {
        id: row.get("id")?,
        tenant_id: row.get("tenant_id")?,
        user_id: row.get("user_id")?,
        channel: Channel::parse(&channel).ok_or_else(|| corrupt("challenges.channel"))?,
        purpose: Purpose::parse(&purpose).ok_or_else(|| corrupt("challenges.purpose"))?,
        destination: row.get("destination")?,
        code_hash: hash(row, "code_hash")?,
        created_at: time(row, "created_at")?,
        expires_at: time(row, "expires_at")?,
        attempts_left: count(row, "attempts_left")?,
    })
}

#[async_trait]
impl Challenges for SqliteStore {
    async fn replace_challenge(&self, challenge: &Challenge) -> Result<(), StoreError> {
        let c = challenge.clone();
        self.write(move |conn| {
            execute(
                conn,
                "DELETE FROM challenges WHERE user_id = ?1 AND channel = ?2 AND purpose = ?3",
                (&c.user_id, c.channel.as_str(), c.purpose.as_str()),
            )?;
            execute(
                conn,
                "INSERT INTO challenges (id, tenant_id, user_id, channel, purpose, destination, \
                 code_hash, created_at, expires_at, attempts_left) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                rusqlite::params![
                    c.id,
                    c.tenant_id,
                    c.user_id,
                    c.channel.as_str(),
                    c.purpose.as_str(),
                    c.destination,
                    c.code_hash.0,
                    c.created_at.0,
                    c.expires_at.0,
                    c.attempts_left,
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn live_challenge(
        &self,
        user_id: &str,
        channel: Channel,
        purpose: Purpose,
    ) -> Result<Option<Challenge>, StoreError> {
        let user_id = user_id.to_owned();
        self.read(move |conn| {
            one(
                conn,
                "SELECT id, tenant_id, user_id, channel, purpose, destination, code_hash, \
                 created_at, expires_at, attempts_left FROM challenges \
                 WHERE user_id = ?1 AND channel = ?2 AND purpose = ?3",
                (user_id, channel.as_str(), purpose.as_str()),
                challenge,
            )
        })
        .await
    }

    async fn take_challenge_attempt(
        &self,
        id: &str,
        now: UnixTime,
    ) -> Result<Option<u32>, StoreError> {
        let id = id.to_owned();
        self.write(move |conn| {
            one(
                conn,
                "UPDATE challenges SET attempts_left = attempts_left - 1 \
                 WHERE id = ?1 AND attempts_left > 0 AND expires_at > ?2 \
                 RETURNING attempts_left",
                (id, now.0),
                |row| count(row, "attempts_left"),
            )
        })
        .await
    }

    async fn consume_challenge(&self, id: &str) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.write(
            move |conn| Ok(execute(conn, "DELETE FROM challenges WHERE id = ?1", [id])? == 1),
        )
        .await
    }
}
