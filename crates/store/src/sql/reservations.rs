//! Attempt budgets as reservations: each take is one conditional statement (a transaction of
//! two for a password's account and source), so it can never pass the budget however many
//! guesses race on however many nodes.

use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use twofold_core::UnixTime;
use twofold_core::lockout::{Counter, PasswordThrottle};

use super::SqlStore;
use super::rows::{count, lock_from_column};
use crate::{
    PasswordBudget, PasswordThrottles, Reservation, Reservations, SecondFactorBudget, StoreError,
};

/// The source of the account-wide password row.
const ACCOUNT: &str = "";

fn second_factor_counter(row: &AnyRow) -> Result<Counter, StoreError> {
    Ok(Counter {
        failures: count(row, "sf_failures")?,
        run: count(row, "sf_run")?,
        lockouts: count(row, "sf_lockouts")?,
        lock: lock_from_column(row.try_get("sf_locked_until")?),
    })
}

fn password_counter(row: &AnyRow) -> Result<Counter, StoreError> {
    Ok(Counter {
        failures: count(row, "failures")?,
        run: count(row, "run")?,
        lockouts: count(row, "lockouts")?,
        lock: lock_from_column(row.try_get("locked_until")?),
    })
}

#[async_trait]
impl Reservations for SqlStore {
    async fn reserve_second_factor_attempt(
        &self,
        user_id: &str,
        budget: SecondFactorBudget,
        now: UnixTime,
    ) -> Result<Reservation<Counter>, StoreError> {
        // A block is stored as the largest time, so `sf_locked_until <= now` never passes one.
        let taken = sqlx::query(
            "UPDATE users SET sf_failures = sf_failures + 1, sf_run = sf_run + 1 \
             WHERE id = $1 AND sf_failures < $2 AND sf_run < $3 \
             AND (sf_locked_until IS NULL OR sf_locked_until <= $4) \
             RETURNING sf_failures, sf_run, sf_lockouts, sf_locked_until",
        )
        .bind(user_id)
        .bind(i64::from(budget.max_attempts))
        .bind(i64::from(budget.ceiling))
        .bind(now.0)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(row) = taken {
            return Ok(Reservation::Taken(second_factor_counter(&row)?));
        }
        let found = sqlx::query(
            "SELECT sf_failures, sf_run, sf_lockouts, sf_locked_until FROM users WHERE id = $1",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        let counter = found
            .as_ref()
            .map(second_factor_counter)
            .transpose()?
            .unwrap_or_default();
        Ok(Reservation::Refused(counter))
    }

    async fn release_second_factor_attempt(&self, user_id: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE users SET sf_failures = CASE WHEN sf_failures > 0 THEN sf_failures - 1 ELSE 0 END, \
             sf_run = CASE WHEN sf_run > 0 THEN sf_run - 1 ELSE 0 END WHERE id = $1",
        )
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn reserve_password_attempt(
        &self,
        tenant_id: &str,
        subject: &str,
        source: Option<&str>,
        budget: PasswordBudget,
        now: UnixTime,
    ) -> Result<Reservation<PasswordThrottle>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let account = take_account(&mut tx, tenant_id, subject, budget, now).await?;
        let from_source = source.filter(|s| *s != ACCOUNT);
        let source_after = match (account, from_source) {
            (Some(_), Some(source)) => {
                take_source(&mut tx, tenant_id, subject, source, now).await?
            }
            (Some(_), None) => Some(Counter::default()),
            (None, _) => None,
        };
        let (Some(account), Some(source_after)) = (account, source_after) else {
            tx.rollback().await?;
            let throttle = self.password_throttle(tenant_id, subject, source).await?;
            return Ok(Reservation::Refused(throttle));
        };
        tx.commit().await?;
        Ok(Reservation::Taken(PasswordThrottle {
            source: source_after,
            account,
        }))
    }

    async fn release_password_attempt(
        &self,
        tenant_id: &str,
        subject: &str,
        source: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE password_throttles SET \
             failures = CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END, \
             run = CASE WHEN run > 0 THEN run - 1 ELSE 0 END \
             WHERE tenant_id = $1 AND subject = $2 AND (source = '' OR source = $3)",
        )
        .bind(tenant_id)
        .bind(subject)
        .bind(source.unwrap_or(ACCOUNT))
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// Counts a failure on the login name from anywhere, only while it is not locked and below its
/// ceiling; the account after it, or `None` when refused.
async fn take_account(
    conn: &mut AnyConnection,
    tenant_id: &str,
    subject: &str,
    budget: PasswordBudget,
    now: UnixTime,
) -> Result<Option<Counter>, StoreError> {
    let row = sqlx::query(
        "INSERT INTO password_throttles (tenant_id, subject, source, failures, run, lockouts, updated_at) \
         VALUES ($1, $2, '', 1, 1, 0, $3) \
         ON CONFLICT (tenant_id, subject, source) DO UPDATE SET \
         failures = password_throttles.failures + 1, run = password_throttles.run + 1, updated_at = $4 \
         WHERE password_throttles.failures < $5 \
         AND (password_throttles.locked_until IS NULL OR password_throttles.locked_until <= $6) \
         RETURNING failures, run, lockouts, locked_until",
    )
    .bind(tenant_id)
    .bind(subject)
    .bind(now.0)
    .bind(now.0)
    .bind(i64::from(budget.account_max))
    .bind(now.0)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(password_counter).transpose()
}

/// Counts a failure from one source, only while it does not wait. The source after it, or
/// `None` when refused.
async fn take_source(
    conn: &mut AnyConnection,
    tenant_id: &str,
    subject: &str,
    source: &str,
    now: UnixTime,
) -> Result<Option<Counter>, StoreError> {
    let row = sqlx::query(
        "INSERT INTO password_throttles (tenant_id, subject, source, failures, run, lockouts, updated_at) \
         VALUES ($1, $2, $3, 1, 1, 0, $4) \
         ON CONFLICT (tenant_id, subject, source) DO UPDATE SET \
         failures = password_throttles.failures + 1, run = password_throttles.run + 1, updated_at = $5 \
         WHERE password_throttles.locked_until IS NULL OR password_throttles.locked_until <= $6 \
         RETURNING failures, run, lockouts, locked_until",
    )
    .bind(tenant_id)
    .bind(subject)
    .bind(source)
    .bind(now.0)
    .bind(now.0)
    .bind(now.0)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(password_counter).transpose()
}
