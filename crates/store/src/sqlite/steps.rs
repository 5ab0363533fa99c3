//! A sign-in step: its state read in one closure on a reader, its writes applied in one closure
//! on the writer. The writer is the only connection that writes, so each conditional write below
//! sees the state it decides on; when the session's token or a single-use proof is no longer as
//! the step found it, the closure undoes everything it wrote and answers what was lost.

use async_trait::async_trait;
use rusqlite::Connection;

use super::SqliteStore;
use super::rows::{
    self, AUTHENTICATOR_COLUMNS, SESSION_COLUMNS, all, execute, json, one, step_column,
};
use super::users::SELECT_USERS;
use super::writer::Kept;
use super::{events, hits, lockout, login_throttle};
use crate::{
    Applied, Consumption, Lock, LockWrite, PasswordRun, SessionWrite, StepState, StepWrite, Steps,
    StoreError,
};

#[async_trait]
impl Steps for SqliteStore {
    async fn load_step(&self, session_id: &str) -> Result<Option<StepState>, StoreError> {
        let session_id = session_id.to_owned();
        self.read(move |conn| {
            // One read transaction, so the three reads see one moment.
            let tx = conn.unchecked_transaction()?;
            let state = load(&tx, &session_id)?;
            tx.commit()?;
            Ok(state)
        })
        .await
    }

    async fn apply_step(&self, write: &StepWrite) -> Result<Applied, StoreError> {
        let session = SessionColumns::of(&write.session)?;
        let (consume, clear_second_factor, lift, clear_password, events) = (
            write.consume.clone(),
            write.clear_second_factor.clone(),
            write.lift_second_factor_lock.clone(),
            write.clear_password.clone(),
            write.events.clone(),
        );
        let (hits, delay, lock) = (
            write.hits.clone(),
            write.delay_password_source.clone(),
            write.lock.clone(),
        );
        self.write_or_undo(move |conn| {
            // The session first, as on PostgreSQL: a lost token is the answer even when a
            // proof would have been lost too.
            if !write_session(conn, &session)? {
                return Ok(Kept::Undo(Applied::TokenLost));
            }
            for (index, consumption) in consume.iter().enumerate() {
                if !spend(conn, consumption)? {
                    return Ok(Kept::Undo(Applied::ConsumptionLost(index)));
                }
            }
            for user_id in &clear_second_factor {
                // Changes nothing when there is nothing to clear: the common case on a pass.
                execute(
                    conn,
                    "UPDATE users SET sf_failures = 0, sf_run = 0, sf_lockouts = 0, \
                     sf_unlock_failures = 0 WHERE id = ?1 AND (sf_failures <> 0 OR sf_run <> 0 \
                     OR sf_lockouts <> 0 OR sf_unlock_failures <> 0)",
                    [user_id],
                )?;
            }
            for user_id in &lift {
                execute(
                    conn,
                    "UPDATE users SET sf_failures = 0, sf_run = 0, sf_lockouts = 0, \
                     sf_unlock_failures = 0, sf_locked_until = NULL WHERE id = ?1",
                    [user_id],
                )?;
            }
            for run in &clear_password {
                clear_password_run(conn, run)?;
            }
            for event in &events {
                events::insert(conn, event)?;
            }
            if let Some(first) = hits.first() {
                hits::prune(conn, first.at)?;
            }
            for hit in &hits {
                hits::insert(conn, &hit.tenant_id, hit.scope, &hit.key, hit.at)?;
            }
            if let Some(d) = &delay {
                login_throttle::delay_password_source(
                    conn,
                    &d.tenant_id,
                    &d.subject,
                    &d.source,
                    d.until,
                )?;
            }
            let locked = match &lock {
                Some(lock) => lock_landed(conn, lock)?,
                None => false,
            };
            Ok(Kept::Commit(Applied::Committed { locked }))
        })
        .await
    }
}

fn load(conn: &Connection, session_id: &str) -> Result<Option<StepState>, StoreError> {
    let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?1");
    let Some((session, token)) = one(conn, &sql, [session_id], rows::session)? else {
        return Ok(None);
    };
    let user = match &session.user_id {
        Some(user_id) => {
            let sql = format!("{SELECT_USERS} WHERE users.tenant_id = ?1 AND id = ?2");
            one(conn, &sql, [&session.tenant_id, user_id], rows::user)?
        }
        None => None,
    };
    // The one used last first: a code is tried against them in this order, and people mostly
    // use the same authenticator again, so a check usually opens one seed, not all of them.
    let authenticators = match &user {
        Some(user) => all(
            conn,
            &format!(
                "SELECT {AUTHENTICATOR_COLUMNS} FROM authenticators WHERE user_id = ?1 \
                 ORDER BY last_used_at DESC NULLS LAST, created_at, id"
            ),
            [&user.id],
            rows::authenticator,
        )?,
        None => Vec::new(),
    };
    Ok(Some(StepState {
        session,
        token,
        user,
        authenticators,
    }))
}

/// The session write with its values already turned into columns: JSON is made before the
/// hand-off, so the one writer thread spends its time writing.
enum SessionColumns {
    Keep,
    Insert {
        columns: Columns,
        token: [u8; 32],
    },
    Rotate {
        columns: Columns,
        expected: [u8; 32],
        next: [u8; 32],
    },
}

struct Columns {
    id: String,
    tenant_id: String,
    user_id: Option<String>,
    user_checked_at: Option<i64>,
    checks: String,
    client_id: Option<String>,
    created_at: i64,
    updated_at: i64,
    expires_at: i64,
    risk: Option<String>,
}

impl SessionColumns {
    fn of(write: &SessionWrite) -> Result<SessionColumns, StoreError> {
        let columns = |s: &twofold_core::session::Session| -> Result<Columns, StoreError> {
            Ok(Columns {
                id: s.id.clone(),
                tenant_id: s.tenant_id.clone(),
                user_id: s.user_id.clone(),
                user_checked_at: s.user_checked_at.map(|t| t.0),
                checks: json(&s.checks)?,
                client_id: s.client_id.clone(),
                created_at: s.created_at.0,
                updated_at: s.updated_at.0,
                expires_at: s.expires_at.0,
                risk: s.risk.as_ref().map(json).transpose()?,
            })
        };
        Ok(match write {
            SessionWrite::Keep => SessionColumns::Keep,
            SessionWrite::Insert { session, token } => SessionColumns::Insert {
                columns: columns(session)?,
                token: token.0,
            },
            SessionWrite::Rotate {
                session,
                expected,
                next,
            } => SessionColumns::Rotate {
                columns: columns(session)?,
                expected: expected.0,
                next: next.0,
            },
        })
    }
}

/// Writes the session; false when a rotation found another token (or no session).
fn write_session(conn: &Connection, write: &SessionColumns) -> Result<bool, StoreError> {
    let written = match write {
        SessionColumns::Keep => return Ok(true),
        SessionColumns::Insert { columns: s, token } => execute(
            conn,
            "INSERT INTO sessions (id, tenant_id, user_id, token_hash, user_checked_at, checks, \
             client_id, created_at, updated_at, expires_at, risk) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            rusqlite::params![
                s.id,
                s.tenant_id,
                s.user_id,
                token,
                s.user_checked_at,
                s.checks,
                s.client_id,
                s.created_at,
                s.updated_at,
                s.expires_at,
                s.risk,
            ],
        )?,
        SessionColumns::Rotate {
            columns: s,
            expected,
            next,
        } => execute(
            conn,
            "UPDATE sessions SET token_hash = ?1, user_id = ?2, user_checked_at = ?3, \
             checks = ?4, client_id = ?5, updated_at = ?6, expires_at = ?7, risk = ?8 \
             WHERE id = ?9 AND token_hash = ?10",
            rusqlite::params![
                next,
                s.user_id,
                s.user_checked_at,
                s.checks,
                s.client_id,
                s.updated_at,
                s.expires_at,
                s.risk,
                s.id,
                expected,
            ],
        )?,
    };
    Ok(written == 1)
}

/// Spends one single-use proof; false when it was already spent.
fn spend(conn: &Connection, consumption: &Consumption) -> Result<bool, StoreError> {
    let spent = match consumption {
        Consumption::TotpStep {
            authenticator_id,
            step,
            at,
        } => execute(
            conn,
            "UPDATE authenticators SET last_step = ?1, last_used_at = ?2 \
             WHERE id = ?3 AND state = 'active' AND (last_step IS NULL OR last_step < ?1)",
            (step_column(Some(*step))?, at.0, authenticator_id),
        )?,
        Consumption::BackupCode {
            user_id,
            code_hash,
            at,
        } => execute(
            conn,
            "UPDATE backup_codes SET used_at = ?1 \
             WHERE user_id = ?2 AND code_hash = ?3 AND used_at IS NULL",
            (at.0, user_id, code_hash.0),
        )?,
        Consumption::Challenge { id } => {
            execute(conn, "DELETE FROM challenges WHERE id = ?1", [id])?
        }
        Consumption::QuestionExchange { id } => execute(
            conn,
            "DELETE FROM security_question_exchanges WHERE id = ?1",
            [id],
        )?,
        Consumption::CredentialCounter {
            authenticator_id,
            credential,
            counter,
            at,
        } => execute(
            conn,
            "UPDATE authenticators SET params = ?1, last_step = ?2, last_used_at = ?3 \
             WHERE id = ?4 AND state = 'active' \
             AND (last_step IS NULL OR last_step < ?2 OR (?2 = 0 AND last_step = 0))",
            (credential.to_string(), counter, at.0, authenticator_id),
        )?,
    };
    Ok(spent == 1)
}

fn clear_password_run(conn: &Connection, run: &PasswordRun) -> Result<(), StoreError> {
    execute(
        conn,
        "DELETE FROM password_throttles WHERE tenant_id = ?1 AND subject = ?2 \
         AND (source = '' OR source = ?3)",
        (
            &run.tenant_id,
            &run.subject,
            run.source.as_deref().unwrap_or(""),
        ),
    )?;
    Ok(())
}

/// Takes the failure's lock if its budget is still spent, and then tells it; false when another
/// failure locked first.
fn lock_landed(conn: &Connection, write: &LockWrite) -> Result<bool, StoreError> {
    let landed = match &write.lock {
        Lock::SecondFactor {
            user_id,
            state,
            max_attempts,
            ceiling,
        } => lockout::lock_second_factor(conn, user_id, *state, *max_attempts, *ceiling)?,
        Lock::PasswordAccount {
            tenant_id,
            subject,
            state,
            ceiling,
        } => login_throttle::lock_password_account(conn, tenant_id, subject, *state, *ceiling)?,
    };
    if landed {
        events::insert(conn, &write.event)?;
    }
    Ok(landed)
}
