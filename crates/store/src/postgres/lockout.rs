//! Second-factor failure counters on the user: single statements, so concurrent failures on any
//! node are all counted, and of two failures that spend the same budget exactly one locks.

use async_trait::async_trait;
use twofold_core::lockout::{Counter, LockState};

use super::PgStore;
use sqlx::{PgExecutor, Row};

use super::rows::{count, counter, lock_to_column};
use crate::{Reservation, SecondFactorLockout, StoreError};

#[async_trait]
impl SecondFactorLockout for PgStore {
    async fn record_second_factor_failure(&self, user_id: &str) -> Result<Counter, StoreError> {
        let row = sqlx::query(
            "UPDATE users SET sf_failures = sf_failures + 1, sf_run = sf_run + 1 WHERE id = $1 \
             RETURNING sf_failures, sf_run, sf_lockouts, sf_locked_until",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => counter(
                &row,
                "sf_failures",
                "sf_run",
                "sf_lockouts",
                "sf_locked_until",
            ),
            None => Ok(Counter::default()),
        }
    }

    async fn lock_second_factor(
        &self,
        user_id: &str,
        lock: LockState,
        max_attempts: u32,
        ceiling: u32,
    ) -> Result<bool, StoreError> {
        Ok(lock_second_factor(&self.pool, user_id, lock, max_attempts, ceiling).await?)
    }

    async fn reserve_unlock_attempt(
        &self,
        user_id: &str,
        max: u32,
    ) -> Result<Reservation<u32>, StoreError> {
        // Taken while below `max`; otherwise the count as it is, in the same statement.
        let row = sqlx::query(
            "WITH taken AS (UPDATE users SET sf_unlock_failures = sf_unlock_failures + 1 \
             WHERE id = $1 AND sf_unlock_failures < $2 RETURNING sf_unlock_failures) \
             SELECT true AS taken, sf_unlock_failures FROM taken UNION ALL \
             SELECT false, sf_unlock_failures FROM users \
             WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM taken)",
        )
        .bind(user_id)
        .bind(i64::from(max))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(Reservation::Refused(0));
        };
        let failures = count(&row, "sf_unlock_failures")?;
        Ok(match row.try_get::<bool, _>("taken")? {
            true => Reservation::Taken(failures),
            false => Reservation::Refused(failures),
        })
    }

    async fn release_unlock_attempt(&self, user_id: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE users SET sf_unlock_failures = GREATEST(sf_unlock_failures - 1, 0) WHERE id = $1",
        )
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn clear_second_factor_failures(&self, user_id: &str) -> Result<(), StoreError> {
        // Skips the write when there is nothing to clear: the common case on every passed check.
        sqlx::query(
            "UPDATE users SET sf_failures = 0, sf_run = 0, sf_lockouts = 0, sf_unlock_failures = 0 \
             WHERE id = $1 AND (sf_failures <> 0 OR sf_run <> 0 OR sf_lockouts <> 0 \
             OR sf_unlock_failures <> 0)",
        )
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// One statement: the user's counters and lock, and every password throttle of the user.
    async fn unlock(&self, user_id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "WITH throttles_gone AS (DELETE FROM password_throttles WHERE subject = $1) \
             UPDATE users SET sf_failures = 0, sf_run = 0, sf_lockouts = 0, sf_locked_until = NULL, \
             sf_unlock_failures = 0 \
             WHERE id = $1",
        )
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

/// Locks the second factor only while the budget is still spent: the lock empties it, so a
/// racing failure that counted into the same budget finds nothing left to lock. True when this
/// statement locked.
pub(super) async fn lock_second_factor<'e>(
    db: impl PgExecutor<'e>,
    user_id: &str,
    lock: LockState,
    max_attempts: u32,
    ceiling: u32,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET sf_failures = 0, sf_lockouts = sf_lockouts + 1, sf_locked_until = $1, \
         sf_unlock_failures = 0 \
         WHERE id = $2 AND (sf_failures >= $3 OR (sf_run >= $4 AND sf_failures > 0))",
    )
    .bind(lock_to_column(lock))
    .bind(user_id)
    .bind(i64::from(max_attempts))
    .bind(i64::from(ceiling))
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
