//! Failure counters: single statements, so concurrent failures on any node are all counted.

use sqlx::Row;
use twofold_core::lockout::{Budget, LockState};

use super::SqlStore;
use super::rows::lock_to_column;
use crate::StoreError;

fn columns(budget: Budget) -> (&'static str, &'static str) {
    match budget {
        Budget::Password => ("pw_failures", "pw_locked_until"),
        Budget::SecondFactor => ("sf_failures", "sf_locked_until"),
    }
}

impl SqlStore {
    pub(super) async fn record_failure_row(
        &self,
        user_id: &str,
        budget: Budget,
    ) -> Result<u32, StoreError> {
        let (failures, _) = columns(budget);
        let sql = format!(
            "UPDATE users SET {failures} = {failures} + 1 WHERE id = $1 RETURNING {failures}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => u32::try_from(row.try_get::<i64, _>(0)?)
                .map_err(|_| StoreError::Corrupt(failures.to_owned())),
            None => Ok(0),
        }
    }

    pub(super) async fn lock_row(
        &self,
        user_id: &str,
        budget: Budget,
        lock: LockState,
    ) -> Result<(), StoreError> {
        let (failures, locked_until) = columns(budget);
        let sql = format!("UPDATE users SET {failures} = 0, {locked_until} = $1 WHERE id = $2");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(lock_to_column(lock))
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(super) async fn clear_failures_row(
        &self,
        user_id: &str,
        budget: Budget,
    ) -> Result<(), StoreError> {
        let (failures, _) = columns(budget);
        // Skips the write when there is nothing to clear: the common case on every passed check.
        let sql = format!("UPDATE users SET {failures} = 0 WHERE id = $1 AND {failures} <> 0");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(super) async fn unlock_row(&self, user_id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE users SET sf_failures = 0, sf_locked_until = NULL, pw_failures = 0, pw_locked_until = NULL WHERE id = $1",
        )
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
