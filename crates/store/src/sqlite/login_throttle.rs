//! Failed passwords per login name: one row per (name, client address) — the source — and one
//! with source '' for the name from anywhere — the account. The name is the session's subject (a
//! user id, or the stand-in id of a name nobody has), so unknown names are counted exactly as
//! known ones. Counting both rows is one writer closure.

use async_trait::async_trait;
use rusqlite::{Connection, Row};
use twofold_core::UnixTime;
use twofold_core::lockout::{Counter, LockState, PasswordThrottle};

use super::SqliteStore;
use super::rows::{all, count, execute, lock_from_column, lock_to_column, one};
use crate::{PasswordThrottles, StoreError};

/// The source of the account-wide row.
pub(super) const ACCOUNT: &str = "";

pub(super) fn counter(row: &Row<'_>) -> Result<Counter, StoreError> {
    Ok(Counter {
        failures: count(row, "failures")?,
        run: count(row, "run")?,
        lockouts: count(row, "lockouts")?,
        lock: lock_from_column(row.get("locked_until")?),
    })
}

#[async_trait]
impl PasswordThrottles for SqliteStore {
    async fn password_throttle(
        &self,
        tenant_id: &str,
        subject: &str,
        source: Option<&str>,
    ) -> Result<PasswordThrottle, StoreError> {
        let (tenant_id, subject) = (tenant_id.to_owned(), subject.to_owned());
        let source = source.unwrap_or(ACCOUNT).to_owned();
        self.read(move |conn| {
            let rows = all(
                conn,
                "SELECT source, failures, run, lockouts, locked_until FROM password_throttles \
                 WHERE tenant_id = ?1 AND subject = ?2 AND (source = '' OR source = ?3)",
                [tenant_id, subject, source],
                |row| Ok((row.get::<_, String>("source")?, counter(row)?)),
            )?;
            let mut throttle = PasswordThrottle::default();
            for (which, counter) in rows {
                if which == ACCOUNT {
                    throttle.account = counter;
                } else {
                    throttle.source = counter;
                }
            }
            Ok(throttle)
        })
        .await
    }

    async fn record_password_failure(
        &self,
        tenant_id: &str,
        subject: &str,
        source: Option<&str>,
        now: UnixTime,
    ) -> Result<PasswordThrottle, StoreError> {
        let (tenant_id, subject) = (tenant_id.to_owned(), subject.to_owned());
        let source = source.filter(|s| *s != ACCOUNT).map(str::to_owned);
        self.write(move |conn| {
            let mut throttle = PasswordThrottle::default();
            for which in [Some(ACCOUNT), source.as_deref()].into_iter().flatten() {
                let counted = one(
                    conn,
                    "INSERT INTO password_throttles \
                     (tenant_id, subject, source, failures, run, lockouts, updated_at) \
                     VALUES (?1, ?2, ?3, 1, 1, 0, ?4) \
                     ON CONFLICT (tenant_id, subject, source) DO UPDATE SET \
                     failures = password_throttles.failures + 1, run = password_throttles.run + 1, \
                     updated_at = ?4 \
                     RETURNING failures, run, lockouts, locked_until",
                    (&tenant_id, &subject, which, now.0),
                    counter,
                )?
                .unwrap_or_default();
                if which == ACCOUNT {
                    throttle.account = counted;
                } else {
                    throttle.source = counted;
                }
            }
            Ok(throttle)
        })
        .await
    }

    async fn forget_stale_password_failures(
        &self,
        tenant_id: &str,
        last_failure_before: UnixTime,
        now: UnixTime,
    ) -> Result<u64, StoreError> {
        let tenant_id = tenant_id.to_owned();
        self.write(move |conn| {
            // A block is stored as the largest time, so `locked_until <= now` never forgets one.
            let forgotten = execute(
                conn,
                "DELETE FROM password_throttles WHERE tenant_id = ?1 AND updated_at < ?2 \
                 AND (locked_until IS NULL OR locked_until <= ?3)",
                (tenant_id, last_failure_before.0, now.0),
            )?;
            Ok(forgotten as u64)
        })
        .await
    }

    async fn delay_password_source(
        &self,
        tenant_id: &str,
        subject: &str,
        source: &str,
        until: UnixTime,
    ) -> Result<(), StoreError> {
        let (tenant_id, subject, source) =
            (tenant_id.to_owned(), subject.to_owned(), source.to_owned());
        self.write(move |conn| delay_password_source(conn, &tenant_id, &subject, &source, until))
            .await
    }

    async fn lock_password_account(
        &self,
        tenant_id: &str,
        subject: &str,
        lock: LockState,
        ceiling: u32,
    ) -> Result<bool, StoreError> {
        let (tenant_id, subject) = (tenant_id.to_owned(), subject.to_owned());
        self.write(move |conn| lock_password_account(conn, &tenant_id, &subject, lock, ceiling))
            .await
    }

    async fn clear_password_failures(
        &self,
        tenant_id: &str,
        subject: &str,
        source: Option<&str>,
    ) -> Result<(), StoreError> {
        let (tenant_id, subject) = (tenant_id.to_owned(), subject.to_owned());
        let source = source.unwrap_or(ACCOUNT).to_owned();
        self.write(move |conn| {
            execute(
                conn,
                "DELETE FROM password_throttles WHERE tenant_id = ?1 AND subject = ?2 \
                 AND (source = '' OR source = ?3)",
                [tenant_id, subject, source],
            )?;
            Ok(())
        })
        .await
    }
}

/// Of two racing failures, the later (longer) wait stands.
pub(super) fn delay_password_source(
    conn: &Connection,
    tenant_id: &str,
    subject: &str,
    source: &str,
    until: UnixTime,
) -> Result<(), StoreError> {
    execute(
        conn,
        "UPDATE password_throttles SET locked_until = ?1 \
         WHERE tenant_id = ?2 AND subject = ?3 AND source = ?4 AND source <> '' \
         AND (locked_until IS NULL OR locked_until < ?1)",
        (until.0, tenant_id, subject, source),
    )?;
    Ok(())
}

/// Only while the failures are still at the ceiling: of two racing failures, one locks. True
/// when this call locked.
pub(super) fn lock_password_account(
    conn: &Connection,
    tenant_id: &str,
    subject: &str,
    lock: LockState,
    ceiling: u32,
) -> Result<bool, StoreError> {
    let locked = execute(
        conn,
        "UPDATE password_throttles SET failures = 0, lockouts = lockouts + 1, \
         locked_until = ?1 \
         WHERE tenant_id = ?2 AND subject = ?3 AND source = '' AND failures >= ?4",
        (lock_to_column(lock), tenant_id, subject, ceiling),
    )?;
    Ok(locked == 1)
}
