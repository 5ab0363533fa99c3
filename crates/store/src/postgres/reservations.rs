//! Attempt budgets as reservations: each take is one conditional statement, so it can never pass
//! the budget however many guesses race on however many nodes.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;
use twofold_core::UnixTime;
use twofold_core::lockout::{Counter, PasswordThrottle};

use super::PgStore;
use super::login_throttle::ACCOUNT;
use super::retry::retrying;
use super::rows::counter;
use crate::{
    PasswordBudget, PasswordThrottles, Reservation, Reservations, SecondFactorBudget, StoreError,
};

/// Raised (as a failed cast) by a password reservation that took the account's attempt but
/// found the source waiting: the statement is undone as a whole and tried again.
const RACED: &str = "twofold: password reservation raced a new throttle row";

/// Gives back one attempt of the account and the source, locking their rows in the order
/// [`RESERVE_PASSWORD`] does.
const RELEASE_PASSWORD: &str = "WITH locked AS MATERIALIZED (SELECT source FROM password_throttles \
     WHERE tenant_id = $1 AND subject = $2 AND source IN ('', $3) ORDER BY source FOR UPDATE) \
     UPDATE password_throttles p SET failures = GREATEST(p.failures - 1, 0), \
     run = GREATEST(p.run - 1, 0) \
     FROM locked WHERE p.tenant_id = $1 AND p.subject = $2 AND p.source = locked.source";

/// Takes the attempt while the user's second factor is open and within budget; otherwise reads
/// the counter as it is, its newest committed version (`FOR SHARE`), in the same statement. A
/// block is stored as the largest time, so `sf_locked_until <= now` never passes one.
const RESERVE_SECOND_FACTOR: &str = "WITH taken AS (UPDATE users \
     SET sf_failures = sf_failures + 1, sf_run = sf_run + 1 \
     WHERE id = $1 AND sf_failures < $2 AND sf_run < $3 \
     AND (sf_locked_until IS NULL OR sf_locked_until <= $4) \
     RETURNING sf_failures, sf_run, sf_lockouts, sf_locked_until), \
     current AS (SELECT sf_failures, sf_run, sf_lockouts, sf_locked_until FROM users \
     WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM taken) FOR SHARE) \
     SELECT true AS taken, * FROM taken UNION ALL SELECT false, * FROM current";

/// The account row and the source's are locked as they are (newest versions), in one fixed
/// order — the account (source `''`) first — as every statement that locks both takes them, so
/// racing reservations and releases never wait on each other in a cycle; then judged: only when
/// neither refuses is the account counted, and only when the account was counted is the source.
/// Rows that did not exist when the statement began cannot be locked ahead; if such a source
/// row, made and set waiting meanwhile by racing guesses, refuses the source after the account
/// was counted, the statement fails with `RACED` ($6) and so undoes itself.
///
/// $1 tenant, $2 subject, $3 source ('' for none), $4 account ceiling, $5 now.
const RESERVE_PASSWORD: &str = "WITH \
     locked AS MATERIALIZED (SELECT source, failures, run, lockouts, locked_until \
         FROM password_throttles WHERE tenant_id = $1 AND subject = $2 AND source IN ('', $3) \
         ORDER BY source FOR UPDATE), \
     account_now AS (SELECT failures, run, lockouts, locked_until FROM locked WHERE source = ''), \
     source_now AS (SELECT failures, run, lockouts, locked_until FROM locked \
         WHERE $3 <> '' AND source = $3), \
     gate AS (SELECT NOT EXISTS (SELECT 1 FROM account_now WHERE failures >= $4 OR locked_until > $5) \
         AND NOT EXISTS (SELECT 1 FROM source_now WHERE locked_until > $5) AS open), \
     account AS (INSERT INTO password_throttles AS p \
         (tenant_id, subject, source, failures, run, lockouts, updated_at) \
         SELECT $1, $2, '', 1, 1, 0, $5 FROM gate WHERE open \
         ON CONFLICT (tenant_id, subject, source) DO UPDATE SET \
         failures = p.failures + 1, run = p.run + 1, updated_at = $5 \
         WHERE p.failures < $4 AND (p.locked_until IS NULL OR p.locked_until <= $5) \
         RETURNING failures, run, lockouts, locked_until), \
     source AS (INSERT INTO password_throttles AS p \
         (tenant_id, subject, source, failures, run, lockouts, updated_at) \
         SELECT $1, $2, $3, 1, 1, 0, $5 FROM account WHERE $3 <> '' \
         ON CONFLICT (tenant_id, subject, source) DO UPDATE SET \
         failures = p.failures + 1, run = p.run + 1, updated_at = $5 \
         WHERE p.locked_until IS NULL OR p.locked_until <= $5 \
         RETURNING failures, run, lockouts, locked_until) \
     SELECT gate.open, \
         a.failures AS a_failures, a.run AS a_run, a.lockouts AS a_lockouts, a.locked_until AS a_locked_until, \
         s.failures AS s_failures, s.run AS s_run, s.lockouts AS s_lockouts, s.locked_until AS s_locked_until, \
         COALESCE(an.failures, 0) AS an_failures, COALESCE(an.run, 0) AS an_run, \
         COALESCE(an.lockouts, 0) AS an_lockouts, an.locked_until AS an_locked_until, \
         COALESCE(sn.failures, 0) AS sn_failures, COALESCE(sn.run, 0) AS sn_run, \
         COALESCE(sn.lockouts, 0) AS sn_lockouts, sn.locked_until AS sn_locked_until, \
         CAST(CASE WHEN a.failures IS NOT NULL AND $3 <> '' AND s.failures IS NULL THEN $6 END AS int) AS raced \
     FROM gate LEFT JOIN account a ON true LEFT JOIN source s ON true \
     LEFT JOIN account_now an ON true LEFT JOIN source_now sn ON true";

fn password_counter(row: &PgRow, prefix: &str) -> Result<Counter, StoreError> {
    counter(
        row,
        &format!("{prefix}failures"),
        &format!("{prefix}run"),
        &format!("{prefix}lockouts"),
        &format!("{prefix}locked_until"),
    )
}

/// Whether the error is a password reservation undoing itself after a race.
fn raced(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(|db| db.message().contains(RACED))
}

#[async_trait]
impl Reservations for PgStore {
    async fn reserve_second_factor_attempt(
        &self,
        user_id: &str,
        budget: SecondFactorBudget,
        now: UnixTime,
    ) -> Result<Reservation<Counter>, StoreError> {
        let row = sqlx::query(RESERVE_SECOND_FACTOR)
            .bind(user_id)
            .bind(i64::from(budget.max_attempts))
            .bind(i64::from(budget.ceiling))
            .bind(now.0)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            return Ok(Reservation::Refused(Counter::default()));
        };
        let found = counter(
            &row,
            "sf_failures",
            "sf_run",
            "sf_lockouts",
            "sf_locked_until",
        )?;
        if row.try_get("taken")? {
            Ok(Reservation::Taken(found))
        } else {
            Ok(Reservation::Refused(found))
        }
    }

    async fn release_second_factor_attempt(&self, user_id: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE users SET sf_failures = GREATEST(sf_failures - 1, 0), \
             sf_run = GREATEST(sf_run - 1, 0) WHERE id = $1",
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
        let from_source = source.filter(|s| *s != ACCOUNT);
        // Each try sees the rows the last one raced, so the second already decides.
        let row = retrying(raced, || {
            sqlx::query(RESERVE_PASSWORD)
                .bind(tenant_id)
                .bind(subject)
                .bind(from_source.unwrap_or(ACCOUNT))
                .bind(i64::from(budget.account_max))
                .bind(now.0)
                .bind(RACED)
                .fetch_one(&self.pool)
        })
        .await?;
        if row.try_get::<Option<i64>, _>("a_failures")?.is_none() {
            // Refused by the rows as they were locked; or, rarely, by a row a racing guess made
            // after the statement began, which it could not lock: then read it as it is now.
            let throttle = if row.try_get("open")? {
                self.password_throttle(tenant_id, subject, source).await?
            } else {
                PasswordThrottle {
                    source: match from_source {
                        Some(_) => password_counter(&row, "sn_")?,
                        None => Counter::default(),
                    },
                    account: password_counter(&row, "an_")?,
                }
            };
            return Ok(Reservation::Refused(throttle));
        }
        let account = password_counter(&row, "a_")?;
        let source_after = match from_source {
            Some(_) => password_counter(&row, "s_")?,
            None => Counter::default(),
        };
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
        retrying(
            |_| false,
            || {
                sqlx::query(RELEASE_PASSWORD)
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
