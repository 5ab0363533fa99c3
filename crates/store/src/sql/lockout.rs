//! Second-factor failure counters on the user: single statements, so concurrent failures on any
//! node are all counted, and of two failures that spend the same budget exactly one locks.

use sqlx::Row;
use twofold_core::lockout::{Counter, LockState};

use super::SqlStore;
use super::rows::{count, lock_from_column, lock_to_column};
use crate::StoreError;

impl SqlStore {
    pub(super) async fn record_second_factor_failure_row(
        &self,
        user_id: &str,
    ) -> Result<Counter, StoreError> {
        let row = sqlx::query(
            "UPDATE users SET sf_failures = sf_failures + 1, sf_run = sf_run + 1 WHERE id = $1 \
             RETURNING sf_failures, sf_run, sf_lockouts, sf_locked_until",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(Counter {
                failures: count(&row, "sf_failures")?,
                run: count(&row, "sf_run")?,
                lockouts: count(&row, "sf_lockouts")?,
                lock: lock_from_column(row.try_get("sf_locked_until")?),
            }),
            None => Ok(Counter::default()),
        }
    }

    pub(super) async fn lock_second_factor_row(
        &self,
        user_id: &str,
        lock: LockState,
        max_attempts: u32,
        ceiling: u32,
    ) -> Result<bool, StoreError> {
        // Only while the budget is still spent: the lock empties it, so a racing failure that
        // counted into the same budget finds nothing left to lock.
        let done = sqlx::query(
            "UPDATE users SET sf_failures = 0, sf_lockouts = sf_lockouts + 1, sf_locked_until = $1 \
             WHERE id = $2 AND (sf_failures >= $3 OR (sf_run >= $4 AND sf_failures > 0))",
        )
        .bind(lock_to_column(lock))
        .bind(user_id)
        .bind(i64::from(max_attempts))
        .bind(i64::from(ceiling))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(super) async fn clear_second_factor_failures_row(
        &self,
        user_id: &str,
    ) -> Result<(), StoreError> {
        // Skips the write when there is nothing to clear: the common case on every passed check.
        sqlx::query(
            "UPDATE users SET sf_failures = 0, sf_run = 0, sf_lockouts = 0 \
             WHERE id = $1 AND (sf_failures <> 0 OR sf_run <> 0 OR sf_lockouts <> 0)",
        )
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(super) async fn unlock_row(&self, user_id: &str) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE users SET sf_failures = 0, sf_run = 0, sf_lockouts = 0, sf_locked_until = NULL WHERE id = $1",
        )
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM password_throttles WHERE subject = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }
}
