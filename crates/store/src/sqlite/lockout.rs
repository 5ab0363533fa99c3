//! Second-factor failure counters on the user. Each move is one statement in the writer, so
//! concurrent failures are all counted, and of two failures that spend the same budget exactly one
//! locks.

use async_trait::async_trait;
use rusqlite::Connection;
use twofold_core::lockout::{Counter, LockState};

use super::SqliteStore;
use super::rows::{count, execute, lock_to_column, one, second_factor_counter};
use crate::{Reservation, SecondFactorLockout, StoreError};

#[async_trait]
impl SecondFactorLockout for SqliteStore {
    async fn record_second_factor_failure(&self, user_id: &str) -> Result<Counter, StoreError> {
        let user_id = user_id.to_owned();
        self.write(move |conn| {
            let counter = one(
                conn,
                "UPDATE users SET sf_failures = sf_failures + 1, sf_run = sf_run + 1 WHERE id = ?1 \
                 RETURNING sf_failures, sf_run, sf_lockouts, sf_locked_until",
                [user_id],
                second_factor_counter,
            )?;
            Ok(counter.unwrap_or_default())
        })
        .await
    }

    async fn lock_second_factor(
        &self,
        user_id: &str,
        lock: LockState,
        max_attempts: u32,
        ceiling: u32,
    ) -> Result<bool, StoreError> {
        let user_id = user_id.to_owned();
        self.write(move |conn| lock_second_factor(conn, &user_id, lock, max_attempts, ceiling))
            .await
    }

    async fn reserve_unlock_attempt(
        &self,
        user_id: &str,
        max: u32,
    ) -> Result<Reservation<u32>, StoreError> {
        let user_id = user_id.to_owned();
        self.write(move |conn| {
            let taken = one(
                conn,
                "UPDATE users SET sf_unlock_failures = sf_unlock_failures + 1 \
                 WHERE id = ?1 AND sf_unlock_failures < ?2 RETURNING sf_unlock_failures",
                (&user_id, max),
                |row| count(row, "sf_unlock_failures"),
            )?;
            if let Some(failures) = taken {
                return Ok(Reservation::Taken(failures));
            }
            let found = one(
                conn,
                "SELECT sf_unlock_failures FROM users WHERE id = ?1",
                [&user_id],
                |row| count(row, "sf_unlock_failures"),
            )?;
            Ok(Reservation::Refused(found.unwrap_or_default()))
        })
        .await
    }

    async fn release_unlock_attempt(&self, user_id: &str) -> Result<(), StoreError> {
        let user_id = user_id.to_owned();
        self.write(move |conn| {
            execute(
                conn,
                "UPDATE users SET sf_unlock_failures = max(sf_unlock_failures - 1, 0) WHERE id = ?1",
                [user_id],
            )?;
            Ok(())
        })
        .await
    }

    async fn clear_second_factor_failures(&self, user_id: &str) -> Result<(), StoreError> {
        let user_id = user_id.to_owned();
        self.write(move |conn| {
            // Changes nothing when there is nothing to clear: the common case on a passed check.
            execute(
                conn,
                "UPDATE users SET sf_failures = 0, sf_run = 0, sf_lockouts = 0, \
                 sf_unlock_failures = 0 WHERE id = ?1 AND (sf_failures <> 0 OR sf_run <> 0 \
                 OR sf_lockouts <> 0 OR sf_unlock_failures <> 0)",
                [user_id],
            )?;
            Ok(())
        })
        .await
    }

    async fn unlock(&self, user_id: &str) -> Result<bool, StoreError> {
        let user_id = user_id.to_owned();
        self.write(move |conn| {
            let found = execute(
                conn,
                "UPDATE users SET sf_failures = 0, sf_run = 0, sf_lockouts = 0, \
                 sf_unlock_failures = 0, sf_locked_until = NULL WHERE id = ?1",
                [&user_id],
            )?;
            execute(
                conn,
                "DELETE FROM password_throttles WHERE subject = ?1",
                [&user_id],
            )?;
            Ok(found == 1)
        })
        .await
    }
}

/// Locks the second factor only while the budget is still spent: the lock empties it, so a
/// racing failure that counted into the same budget finds nothing left to lock. True when this
/// call locked.
pub(super) fn lock_second_factor(
    conn: &Connection,
    user_id: &str,
    lock: LockState,
    max_attempts: u32,
    ceiling: u32,
) -> Result<bool, StoreError> {
    let locked = execute(
        conn,
        "UPDATE users SET sf_failures = 0, sf_lockouts = sf_lockouts + 1, sf_locked_until = ?1, \
         sf_unlock_failures = 0 \
         WHERE id = ?2 AND (sf_failures >= ?3 OR (sf_run >= ?4 AND sf_failures > 0))",
        (lock_to_column(lock), user_id, max_attempts, ceiling),
    )?;
    Ok(locked == 1)
}
