//! A sign-in step: its state in one read, its writes in one transaction that commits only if the
//! session's token and every single-use proof it spends are still as the step found them.

use async_trait::async_trait;
use sqlx::AnyConnection;

use super::SqlStore;
use super::authenticators::step_column;
use super::rows;
use super::users::{USER_COLUMNS, USERS};
use crate::{
    Applied, Consumption, NewEvent, PasswordRun, SessionWrite, StepState, StepWrite, Steps,
    StoreError,
};

#[async_trait]
impl Steps for SqlStore {
    async fn load_step(&self, session_id: &str) -> Result<Option<StepState>, StoreError> {
        // One connection for the three reads: one acquire, not three.
        let mut conn = self.pool.acquire().await?;
        let row = sqlx::query(
            "SELECT id, tenant_id, user_id, token_hash, user_checked_at, checks, client_id, created_at, updated_at, expires_at, risk \
             FROM sessions WHERE id = $1",
        )
        .bind(session_id)
        .fetch_optional(&mut *conn)
        .await?;
        let Some((session, token)) = row.as_ref().map(rows::session).transpose()? else {
            return Ok(None);
        };
        let user = match &session.user_id {
            Some(user_id) => {
                let sql = format!(
                    "SELECT {USER_COLUMNS} FROM {USERS} WHERE users.tenant_id = $1 AND id = $2"
                );
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(&session.tenant_id)
                    .bind(user_id)
                    .fetch_optional(&mut *conn)
                    .await?;
                row.as_ref().map(rows::user).transpose()?
            }
            None => None,
        };
        let authenticators = match &user {
            Some(user) => {
                let found = sqlx::query(
                    "SELECT id, user_id, factor, name, state, sealed_secret, params, last_step, created_at, last_used_at \
                     FROM authenticators WHERE user_id = $1 ORDER BY created_at, id",
                )
                .bind(&user.id)
                .fetch_all(&mut *conn)
                .await?;
                found
                    .iter()
                    .map(rows::authenticator)
                    .collect::<Result<_, _>>()?
            }
            None => Vec::new(),
        };
        Ok(Some(StepState {
            session,
            token,
            user,
            authenticators,
        }))
    }

    async fn apply_step(&self, write: &StepWrite) -> Result<Applied, StoreError> {
        let mut tx = self.pool.begin().await?;
        // The session first: its write takes the row (or, on SQLite, the database) for the rest
        // of the transaction, so of two steps with one token the second waits and then loses.
        if !write_session(&mut tx, &write.session).await? {
            tx.rollback().await?;
            return Ok(Applied::TokenLost);
        }
        for (index, consumption) in write.consume.iter().enumerate() {
            if !consume(&mut tx, consumption).await? {
                tx.rollback().await?;
                return Ok(Applied::ConsumptionLost(index));
            }
        }
        for user_id in &write.clear_second_factor {
            clear_second_factor(&mut tx, user_id).await?;
        }
        for run in &write.clear_password {
            clear_password(&mut tx, run).await?;
        }
        for event in &write.events {
            append_event(&mut tx, event).await?;
        }
        tx.commit().await?;
        Ok(Applied::Committed)
    }
}

async fn write_session(conn: &mut AnyConnection, write: &SessionWrite) -> Result<bool, StoreError> {
    let done = match write {
        SessionWrite::Keep => return Ok(true),
        SessionWrite::Insert { session: s, token } => sqlx::query(
            "INSERT INTO sessions (id, tenant_id, user_id, token_hash, user_checked_at, checks, client_id, created_at, updated_at, expires_at, risk) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&s.id)
        .bind(&s.tenant_id)
        .bind(&s.user_id)
        .bind(token.0.to_vec())
        .bind(s.user_checked_at.map(|t| t.0))
        .bind(rows::json(&s.checks)?)
        .bind(&s.client_id)
        .bind(s.created_at.0)
        .bind(s.updated_at.0)
        .bind(s.expires_at.0)
        .bind(s.risk.as_ref().map(rows::json).transpose()?)
        .execute(&mut *conn)
        .await?,
        SessionWrite::Rotate {
            session: s,
            expected,
            next,
        } => sqlx::query(
            "UPDATE sessions SET token_hash = $1, user_id = $2, user_checked_at = $3, checks = $4, client_id = $5, \
             updated_at = $6, expires_at = $7, risk = $8 WHERE id = $9 AND token_hash = $10",
        )
        .bind(next.0.to_vec())
        .bind(&s.user_id)
        .bind(s.user_checked_at.map(|t| t.0))
        .bind(rows::json(&s.checks)?)
        .bind(&s.client_id)
        .bind(s.updated_at.0)
        .bind(s.expires_at.0)
        .bind(s.risk.as_ref().map(rows::json).transpose()?)
        .bind(&s.id)
        .bind(expected.0.to_vec())
        .execute(&mut *conn)
        .await?,
    };
    Ok(done.rows_affected() == 1)
}

async fn consume(conn: &mut AnyConnection, consumption: &Consumption) -> Result<bool, StoreError> {
    let done = match consumption {
        Consumption::TotpStep {
            authenticator_id,
            step,
            at,
        } => {
            let step = step_column(Some(*step))?;
            sqlx::query(
                "UPDATE authenticators SET last_step = $1, last_used_at = $2 \
                 WHERE id = $3 AND state = 'active' AND (last_step IS NULL OR last_step < $4)",
            )
            .bind(step)
            .bind(at.0)
            .bind(authenticator_id)
            .bind(step)
            .execute(&mut *conn)
            .await?
        }
        Consumption::BackupCode {
            user_id,
            code_hash,
            at,
        } => {
            sqlx::query(
                "UPDATE backup_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
            )
            .bind(at.0)
            .bind(user_id)
            .bind(code_hash.0.to_vec())
            .execute(&mut *conn)
            .await?
        }
        Consumption::Challenge { id } => {
            sqlx::query("DELETE FROM challenges WHERE id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await?
        }
    };
    Ok(done.rows_affected() == 1)
}

async fn clear_second_factor(conn: &mut AnyConnection, user_id: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE users SET sf_failures = 0, sf_run = 0, sf_lockouts = 0 \
         WHERE id = $1 AND (sf_failures <> 0 OR sf_run <> 0 OR sf_lockouts <> 0)",
    )
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn clear_password(conn: &mut AnyConnection, run: &PasswordRun) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM password_throttles WHERE tenant_id = $1 AND subject = $2 \
         AND (source = '' OR source = $3)",
    )
    .bind(&run.tenant_id)
    .bind(&run.subject)
    .bind(run.source.as_deref().unwrap_or(""))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn append_event(conn: &mut AnyConnection, e: &NewEvent) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO events (tenant_id, type, at, user_id, session_id, ip, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&e.tenant_id)
    .bind(e.kind.as_str())
    .bind(e.at.0)
    .bind(&e.user_id)
    .bind(&e.session_id)
    .bind(&e.ip)
    .bind(e.detail.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}
