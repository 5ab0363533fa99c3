//! Attempt budgets as reservations: each take is one writer closure of conditional statements.
//! Only the writer writes, so however many guesses race on however many tasks, they take their
//! attempts one after another and none can pass the budget.

use async_trait::async_trait;
use rusqlite::Connection;
use twofold_core::UnixTime;
use twofold_core::lockout::{Counter, PasswordThrottle};

use super::SqliteStore;
use super::login_throttle::{ACCOUNT, counter};
use super::rows::{execute, one, second_factor_counter};
use super::writer::Kept;
use crate::{
    PasswordBudget, PasswordThrottles, Reservation, Reservations, SecondFactorBudget, StoreError,
};

#[async_trait]
impl Reservations for SqliteStore {
    async fn reserve_second_factor_attempt(
        &self,
        user_id: &str,
        budget: SecondFactorBudget,
        now: UnixTime,
    ) -> Result<Reservation<Counter>, StoreError> {
        let user_id = user_id.to_owned();
        self.write(move |conn| {
            // A block is stored as the largest time, so `sf_locked_until <= now` never passes one.
            let taken = one(
                conn,
                "UPDATE users SET sf_failures = sf_failures + 1, sf_run = sf_run + 1 \
                 WHERE id = ?1 AND sf_failures < ?2 AND sf_run < ?3 \
                 AND (sf_locked_until IS NULL OR sf_locked_until <= ?4) \
                 RETURNING sf_failures, sf_run, sf_lockouts, sf_locked_until",
                (&user_id, budget.max_attempts, budget.ceiling, now.0),
                second_factor_counter,
            )?;
            if let Some(counter) = taken {
                return Ok(Reservation::Taken(counter));
            }
            let found = one(
                conn,
                "SELECT sf_failures, sf_run, sf_lockouts, sf_locked_until FROM users WHERE id = ?1",
                [&user_id],
                second_factor_counter,
            )?;
            Ok(Reservation::Refused(found.unwrap_or_default()))
        })
        .await
    }

    async fn release_second_factor_attempt(&self, user_id: &str) -> Result<(), StoreError> {
        let user_id = user_id.to_owned();
        self.write(move |conn| {
            execute(
                conn,
                "UPDATE users SET sf_failures = max(sf_failures - 1, 0), \
                 sf_run = max(sf_run - 1, 0) WHERE id = ?1",
                [user_id],
            )?;
            Ok(())
        })
        .await
    }

    async fn reserve_password_attempt(
        &self,
        tenant_id: &str,
        subject: &str,
        source: Option<&str>,
        budget: PasswordBudget,
        now: UnixTime,
    ) -> Result<Reservation<PasswordThrottle>, StoreError> {
        let (tenant, name) = (tenant_id.to_owned(), subject.to_owned());
        let from_source = source.filter(|s| *s != ACCOUNT).map(str::to_owned);
        let taken = self
            .write_or_undo(move |conn| {
                let Some(account) = take_account(conn, &tenant, &name, budget, now)? else {
                    // Nothing was written: the throttle as it is, read where it was judged.
                    return Ok(Kept::Commit(Reservation::Refused(Some(throttle(
                        conn,
                        &tenant,
                        &name,
                        from_source.as_deref(),
                    )?))));
                };
                let Some(source) = from_source else {
                    return Ok(Kept::Commit(Reservation::Taken(Some(PasswordThrottle {
                        source: Counter::default(),
                        account,
                    }))));
                };
                match take_source(conn, &tenant, &name, &source, now)? {
                    Some(source) => Ok(Kept::Commit(Reservation::Taken(Some(PasswordThrottle {
                        source,
                        account,
                    })))),
                    // The account's attempt is given back with the undo; the throttle is read
                    // once that is done (`None`).
                    None => Ok(Kept::Undo(Reservation::Refused(None))),
                }
            })
            .await?;
        match taken {
            Reservation::Taken(Some(throttle)) => Ok(Reservation::Taken(throttle)),
            Reservation::Refused(Some(throttle)) => Ok(Reservation::Refused(throttle)),
            Reservation::Taken(None) | Reservation::Refused(None) => Ok(Reservation::Refused(
                self.password_throttle(tenant_id, subject, source).await?,
            )),
        }
    }

    async fn release_password_attempt(
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
                "UPDATE password_throttles SET failures = max(failures - 1, 0), \
                 run = max(run - 1, 0) \
                 WHERE tenant_id = ?1 AND subject = ?2 AND (source = '' OR source = ?3)",
                [tenant_id, subject, source],
            )?;
            Ok(())
        })
        .await
    }
}

/// Counts a failure on the login name from anywhere, only while it is not locked at `now` and
/// below its limit; the account after it, or `None` when refused.
fn take_account(
    conn: &Connection,
    tenant_id: &str,
    subject: &str,
    budget: PasswordBudget,
    now: UnixTime,
) -> Result<Option<Counter>, StoreError> {
    one(
        conn,
        "INSERT INTO password_throttles \
         (tenant_id, subject, source, failures, run, lockouts, updated_at) \
         VALUES (?1, ?2, '', 1, 1, 0, ?3) \
         ON CONFLICT (tenant_id, subject, source) DO UPDATE SET \
         failures = password_throttles.failures + 1, run = password_throttles.run + 1, \
         updated_at = ?3 \
         WHERE password_throttles.failures < ?4 \
         AND (password_throttles.locked_until IS NULL OR password_throttles.locked_until <= ?3) \
         RETURNING failures, run, lockouts, locked_until",
        (tenant_id, subject, now.0, budget.account_max),
        counter,
    )
}

/// Counts a failure from one source, only while it does not wait at `now`; the source after
/// it, or `None` when refused.
fn take_source(
    conn: &Connection,
    tenant_id: &str,
    subject: &str,
    source: &str,
    now: UnixTime,
) -> Result<Option<Counter>, StoreError> {
    one(
        conn,
        "INSERT INTO password_throttles \
         (tenant_id, subject, source, failures, run, lockouts, updated_at) \
         VALUES (?1, ?2, ?3, 1, 1, 0, ?4) \
         ON CONFLICT (tenant_id, subject, source) DO UPDATE SET \
         failures = password_throttles.failures + 1, run = password_throttles.run + 1, \
         updated_at = ?4 \
         WHERE password_throttles.locked_until IS NULL OR password_throttles.locked_until <= ?4 \
         RETURNING failures, run, lockouts, locked_until",
        (tenant_id, subject, source, now.0),
        counter,
    )
}

/// The account's and the source's counters as they are.
fn throttle(
    conn: &Connection,
    tenant_id: &str,
    subject: &str,
    source: Option<&str>,
) -> Result<PasswordThrottle, StoreError> {
    let mut throttle = PasswordThrottle::default();
    for which in [Some(ACCOUNT), source].into_iter().flatten() {
        let found = one(
            conn,
            "SELECT failures, run, lockouts, locked_until FROM password_throttles \
             WHERE tenant_id = ?1 AND subject = ?2 AND source = ?3",
            (tenant_id, subject, which),
            counter,
        )?
        .unwrap_or_default();
        if which == ACCOUNT {
            throttle.account = found;
        } else {
            throttle.source = found;
        }
    }
    Ok(throttle)
}
