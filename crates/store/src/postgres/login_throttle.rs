//! Failed passwords per login name: one row per (name, client address) — the source — and one
//! with source '' for the name from anywhere — the account. The name is the session's subject
//! (a user id, or the stand-in id of a name nobody has), so unknown names are counted exactly as
//! known ones. Every change is one statement, counting both rows included.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{PgExecutor, Row};
use twofold_core::UnixTime;
use twofold_core::lockout::{Counter, LockState, PasswordThrottle};

use super::PgStore;
use super::retry::retrying;
use super::rows::{self, lock_to_column};
use crate::{PasswordThrottles, StoreError};

/// The source of the account-wide row.
pub(super) const ACCOUNT: &str = "";

/// Both rows in one upsert, the account row first (`ORDER BY n`).
const RECORD_FAILURE: &str = "INSERT INTO password_throttles \
     (tenant_id, subject, source, failures, run, lockouts, updated_at) \
     SELECT $1, $2, source, 1, 1, 0, $4 FROM unnest($3::text[]) WITH ORDINALITY AS s (source, n) \
     ORDER BY n \
     ON CONFLICT (tenant_id, subject, source) DO UPDATE SET \
     failures = password_throttles.failures + 1, run = password_throttles.run + 1, updated_at = $4 \
     RETURNING source, failures, run, lockouts, locked_until";

fn counter(row: &PgRow) -> Result<Counter, StoreError> {
    rows::counter(row, "failures", "run", "lockouts", "locked_until")
}

/// The account row and the source's, each into its place.
fn throttle(found: &[PgRow]) -> Result<PasswordThrottle, StoreError> {
    let mut throttle = PasswordThrottle::default();
    for row in found {
        let which: String = row.try_get("source")?;
        if which == ACCOUNT {
            throttle.account = counter(row)?;
        } else {
            throttle.source = counter(row)?;
        }
    }
    Ok(throttle)
}

#[async_trait]
impl PasswordThrottles for PgStore {
    async fn password_throttle(
        &self,
        tenant_id: &str,
        subject: &str,
        source: Option<&str>,
    ) -> Result<PasswordThrottle, StoreError> {
        let found = sqlx::query(
            "SELECT source, failures, run, lockouts, locked_until FROM password_throttles \
             WHERE tenant_id = $1 AND subject = $2 AND (source = '' OR source = $3)",
        )
        .bind(tenant_id)
        .bind(subject)
        .bind(source.unwrap_or(ACCOUNT))
        .fetch_all(&self.pool)
        .await?;
        throttle(&found)
    }

    /// Both rows in one upsert; the account row comes first in every statement, so two failures
    /// from different sources lock their rows in the same order and never deadlock.
    async fn record_password_failure(
        &self,
        tenant_id: &str,
        subject: &str,
        source: Option<&str>,
        now: UnixTime,
    ) -> Result<PasswordThrottle, StoreError> {
        let sources: Vec<&str> = [Some(ACCOUNT), source.filter(|s| *s != ACCOUNT)]
            .into_iter()
            .flatten()
            .collect();
        let found = retrying(
            |_| false,
            || {
                sqlx::query(RECORD_FAILURE)
                    .bind(tenant_id)
                    .bind(subject)
                    .bind(sources.clone())
                    .bind(now.0)
                    .fetch_all(&self.pool)
            },
        )
        .await?;
        throttle(&found)
    }

    async fn forget_stale_password_failures(
        &self,
        tenant_id: &str,
        last_failure_before: UnixTime,
        now: UnixTime,
    ) -> Result<u64, StoreError> {
        // A block is stored as the largest time, so `locked_until <= now` never forgets one.
        let done = sqlx::query(
            "DELETE FROM password_throttles WHERE tenant_id = $1 AND updated_at < $2 \
             AND (locked_until IS NULL OR locked_until <= $3)",
        )
        .bind(tenant_id)
        .bind(last_failure_before.0)
        .bind(now.0)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    async fn delay_password_source(
        &self,
        tenant_id: &str,
        subject: &str,
        source: &str,
        until: UnixTime,
    ) -> Result<(), StoreError> {
        Ok(delay_password_source(&self.pool, tenant_id, subject, source, until).await?)
    }

    async fn lock_password_account(
        &self,
        tenant_id: &str,
        subject: &str,
        lock: LockState,
        ceiling: u32,
    ) -> Result<bool, StoreError> {
        Ok(lock_password_account(&self.pool, tenant_id, subject, lock, ceiling).await?)
    }

    async fn clear_password_failures(
        &self,
        tenant_id: &str,
        subject: &str,
        source: Option<&str>,
    ) -> Result<(), StoreError> {
        // Both rows locked in the order every statement takes them: the account first.
        retrying(
            |_| false,
            || {
                sqlx::query(
                    "WITH locked AS MATERIALIZED (SELECT source FROM password_throttles \
                     WHERE tenant_id = $1 AND subject = $2 AND source IN ('', $3) \
                     ORDER BY source FOR UPDATE) \
                     DELETE FROM password_throttles p USING locked \
                     WHERE p.tenant_id = $1 AND p.subject = $2 AND p.source = locked.source",
                )
                .bind(tenant_id)
                .bind(subject)
                .bind(source.unwrap_or(ACCOUNT))
                .execute(&self.pool)
            },
        )
        .await?;
        Ok(())
    }
}

/// Of two racing failures, the later (longer) wait stands.
pub(super) async fn delay_password_source<'e>(
    db: impl PgExecutor<'e>,
    tenant_id: &str,
    subject: &str,
    source: &str,
    until: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE password_throttles SET locked_until = $1 \
         WHERE tenant_id = $2 AND subject = $3 AND source = $4 AND source <> '' \
         AND (locked_until IS NULL OR locked_until < $1)",
    )
    .bind(until.0)
    .bind(tenant_id)
    .bind(subject)
    .bind(source)
    .execute(db)
    .await?;
    Ok(())
}

/// Only while the failures are still at the ceiling: of two racing failures, one locks. True
/// when this statement locked.
pub(super) async fn lock_password_account<'e>(
    db: impl PgExecutor<'e>,
    tenant_id: &str,
    subject: &str,
    lock: LockState,
    ceiling: u32,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE password_throttles SET failures = 0, lockouts = lockouts + 1, locked_until = $1 \
         WHERE tenant_id = $2 AND subject = $3 AND source = '' AND failures >= $4",
    )
    .bind(lock_to_column(lock))
    .bind(tenant_id)
    .bind(subject)
    .bind(i64::from(ceiling))
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
