//! A sign-in step: its state in one statement, its writes in another. Each is one round trip and
//! one snapshot; the write commits only if the session's token and every single-use proof it
//! spends are still as the step found them, and otherwise writes nothing.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;

use super::PgStore;
use super::retry::retrying;
use super::rows::{self, step_column};
use super::{events, hits, lockout, login_throttle};
use crate::{
    Applied, Consumption, Lock, LockWrite, NewEvent, PasswordRun, SessionWrite, StepState,
    StepWrite, Steps, StoreError,
};

/// The session, its user (columns `u_…`, with the account-wide password run) and one row per
/// authenticator (columns `a_…`), the one used last first (a code is tried in this order, and
/// people mostly use the same authenticator again), then in enrolment order: a user without
/// authenticators, or a session without a user, is still one row.
const LOAD: &str = "SELECT s.id, s.tenant_id, s.user_id, s.token_hash, s.user_checked_at, s.checks, \
     s.client_id, s.created_at, s.updated_at, s.expires_at, s.risk, \
     u.id AS u_id, u.tenant_id AS u_tenant_id, u.username AS u_username, u.email AS u_email, \
     u.email_verified AS u_email_verified, u.phone AS u_phone, u.phone_verified AS u_phone_verified, \
     u.language AS u_language, u.password_hash AS u_password_hash, u.mfa_enabled AS u_mfa_enabled, \
     u.required_factors AS u_required_factors, u.sf_failures AS u_sf_failures, u.sf_run AS u_sf_run, \
     u.sf_lockouts AS u_sf_lockouts, u.sf_locked_until AS u_sf_locked_until, \
     COALESCE(pw.failures, 0) AS u_pw_failures, COALESCE(pw.run, 0) AS u_pw_run, \
     COALESCE(pw.lockouts, 0) AS u_pw_lockouts, pw.locked_until AS u_pw_locked_until, \
     u.created_at AS u_created_at, u.updated_at AS u_updated_at, \
     a.id AS a_id, a.user_id AS a_user_id, a.factor AS a_factor, a.name AS a_name, a.state AS a_state, \
     a.sealed_secret AS a_sealed_secret, a.params AS a_params, a.last_step AS a_last_step, \
     a.created_at AS a_created_at, a.last_used_at AS a_last_used_at \
     FROM sessions s \
     LEFT JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id \
     LEFT JOIN password_throttles pw ON pw.tenant_id = u.tenant_id AND pw.subject = u.id AND pw.source = '' \
     LEFT JOIN authenticators a ON a.user_id = u.id \
     WHERE s.id = $1 \
     ORDER BY a.last_used_at DESC NULLS LAST, a.created_at, a.id";

/// A step's writes as one statement. `gate` first locks, on their newest committed versions,
/// the session row still under the expected token and every proof still unspent; nothing is
/// written unless all of them were there, and while they are locked no other step can spend
/// them, so every write below succeeds. The session comes first in every step, so two steps on
/// one session queue on it and never deadlock on the proofs.
///
/// Data-modifying CTEs run to completion whether or not the final SELECT reads them.
///
/// Parameters: $1 kind (`insert`, `rotate`, `keep`); the session $2–$13; TOTP steps $14–$17,
/// backup codes $18–$21 and challenges $22–$23 as arrays with their indexes in the step's list;
/// second-factor clears $24; password clears $25–$27; events $28–$34; security-questions
/// exchanges $35–$36 as an array with their indexes; lifted second-factor locks $37; WebAuthn
/// credentials saved with their signature counters $38–$42 as arrays with their indexes.
const APPLY: &str = "WITH \
     session_held AS (SELECT 1 FROM sessions WHERE $1 = 'rotate' AND id = $2 AND token_hash = $5 FOR UPDATE), \
     totp_held AS (SELECT t.n FROM authenticators a \
         JOIN unnest($14::text[], $15::int8[], $17::int4[]) AS t (id, step, n) ON a.id = t.id \
         WHERE a.state = 'active' AND (a.last_step IS NULL OR a.last_step < t.step) FOR UPDATE OF a), \
     codes_held AS (SELECT c.n FROM backup_codes b \
         JOIN unnest($18::text[], $19::bytea[], $21::int4[]) AS c (user_id, code_hash, n) \
         ON b.user_id = c.user_id AND b.code_hash = c.code_hash \
         WHERE b.used_at IS NULL FOR UPDATE OF b), \
     challenges_held AS (SELECT h.n FROM challenges ch \
         JOIN unnest($22::text[], $23::int4[]) AS h (id, n) ON ch.id = h.id FOR UPDATE OF ch), \
     exchanges_held AS (SELECT x.n FROM security_question_exchanges sq \
         JOIN unnest($35::text[], $36::int4[]) AS x (id, n) ON sq.id = x.id FOR UPDATE OF sq), \
     credentials_held AS (SELECT c.n FROM authenticators a \
         JOIN unnest($38::text[], $40::int8[], $42::int4[]) AS c (id, counter, n) ON a.id = c.id \
         WHERE a.state = 'active' \
         AND (a.last_step IS NULL OR a.last_step < c.counter OR (c.counter = 0 AND a.last_step = 0)) \
         FOR UPDATE OF a), \
     gate AS (SELECT \
         $1 <> 'rotate' OR EXISTS (SELECT 1 FROM session_held) AS token_held, \
         (SELECT min(n) FROM ( \
             SELECT n FROM unnest($17::int4[]) AS t (n) WHERE n NOT IN (SELECT n FROM totp_held) \
             UNION ALL SELECT n FROM unnest($21::int4[]) AS c (n) WHERE n NOT IN (SELECT n FROM codes_held) \
             UNION ALL SELECT n FROM unnest($23::int4[]) AS h (n) WHERE n NOT IN (SELECT n FROM challenges_held) \
             UNION ALL SELECT n FROM unnest($36::int4[]) AS x (n) WHERE n NOT IN (SELECT n FROM exchanges_held) \
             UNION ALL SELECT n FROM unnest($42::int4[]) AS c (n) WHERE n NOT IN (SELECT n FROM credentials_held) \
         ) AS lost) AS lost), \
     go AS (SELECT token_held AND lost IS NULL AS go FROM gate), \
     session_inserted AS (INSERT INTO sessions (id, tenant_id, user_id, token_hash, user_checked_at, \
         checks, client_id, created_at, updated_at, expires_at, risk) \
         SELECT $2, $3, $4, $6, $7, $8, $9, $10, $11, $12, $13 FROM go WHERE go AND $1 = 'insert'), \
     session_rotated AS (UPDATE sessions SET token_hash = $6, user_id = $4, user_checked_at = $7, \
         checks = $8, client_id = $9, updated_at = $11, expires_at = $12, risk = $13 \
         WHERE (SELECT go FROM go) AND $1 = 'rotate' AND id = $2 AND token_hash = $5), \
     totp_spent AS (UPDATE authenticators a SET last_step = t.step, last_used_at = t.at \
         FROM unnest($14::text[], $15::int8[], $16::int8[]) AS t (id, step, at) \
         WHERE (SELECT go FROM go) AND a.id = t.id), \
     codes_spent AS (UPDATE backup_codes b SET used_at = c.at \
         FROM unnest($18::text[], $19::bytea[], $20::int8[]) AS c (user_id, code_hash, at) \
         WHERE (SELECT go FROM go) AND b.user_id = c.user_id AND b.code_hash = c.code_hash), \
     credentials_spent AS (UPDATE authenticators a SET params = c.params, last_step = c.counter, \
         last_used_at = c.at \
         FROM unnest($38::text[], $39::text[], $40::int8[], $41::int8[]) AS c (id, params, counter, at) \
         WHERE (SELECT go FROM go) AND a.id = c.id), \
     challenges_spent AS (DELETE FROM challenges WHERE (SELECT go FROM go) AND id = ANY($22::text[])), \
     exchanges_spent AS (DELETE FROM security_question_exchanges \
         WHERE (SELECT go FROM go) AND id = ANY($35::text[])), \
     second_factor_cleared AS (UPDATE users SET sf_failures = 0, sf_run = 0, sf_lockouts = 0, \
         sf_unlock_failures = 0, \
         sf_locked_until = CASE WHEN id = ANY($37::text[]) THEN NULL ELSE sf_locked_until END \
         WHERE (SELECT go FROM go) AND (id = ANY($37::text[]) OR (id = ANY($24::text[]) \
         AND (sf_failures <> 0 OR sf_run <> 0 OR sf_lockouts <> 0 OR sf_unlock_failures <> 0)))), \
     password_cleared AS (DELETE FROM password_throttles p \
         USING unnest($25::text[], $26::text[], $27::text[]) AS r (tenant_id, subject, source) \
         WHERE (SELECT go FROM go) AND p.tenant_id = r.tenant_id AND p.subject = r.subject \
         AND (p.source = '' OR p.source = r.source)), \
     events_appended AS (INSERT INTO events (tenant_id, type, at, user_id, session_id, ip, detail) \
         SELECT e.tenant_id, e.type, e.at, e.user_id, e.session_id, e.ip, e.detail \
         FROM unnest($28::text[], $29::text[], $30::int8[], $31::text[], $32::text[], $33::text[], \
             $34::text[]) WITH ORDINALITY AS e (tenant_id, type, at, user_id, session_id, ip, detail, n) \
         WHERE (SELECT go FROM go) ORDER BY e.n) \
     SELECT gate.token_held, gate.lost FROM gate";

#[async_trait]
impl Steps for PgStore {
    async fn load_step(&self, session_id: &str) -> Result<Option<StepState>, StoreError> {
        let found = sqlx::query(LOAD)
            .bind(session_id)
            .fetch_all(&self.pool)
            .await?;
        let Some(first) = found.first() else {
            return Ok(None);
        };
        let (session, token) = rows::session(first)?;
        let user = match first.try_get::<Option<String>, _>("u_id")? {
            Some(_) => Some(rows::user_at(first, "u_")?),
            None => None,
        };
        let mut authenticators = Vec::with_capacity(found.len());
        for row in &found {
            if row.try_get::<Option<String>, _>("a_id")?.is_some() {
                authenticators.push(rows::authenticator_at(row, "a_")?);
            }
        }
        Ok(Some(StepState {
            session,
            token,
            user,
            authenticators,
        }))
    }

    async fn apply_step(&self, write: &StepWrite) -> Result<Applied, StoreError> {
        if !counts_failure(write) {
            let row = bind(sqlx::query(APPLY), write)?
                .fetch_one(&self.pool)
                .await?;
            return gated(&row, false);
        }
        // A failure's writes take row locks in one order (the sends pruned, the password
        // source, then the locked row), so a deadlock can only come from elsewhere; it undid the
        // whole transaction, which is then tried again.
        Ok(retrying(|_| false, || self.apply_with_failure(write)).await?)
    }
}

/// Whether the step counts a failure: hits, a source's wait or a lock.
fn counts_failure(write: &StepWrite) -> bool {
    !write.hits.is_empty() || write.delay_password_source.is_some() || write.lock.is_some()
}

/// What the gate answered; `locked` when the step's lock landed.
fn gated(row: &PgRow, locked: bool) -> Result<Applied, StoreError> {
    if !row.try_get::<bool, _>("token_held")? {
        return Ok(Applied::TokenLost);
    }
    match row.try_get::<Option<i32>, _>("lost")? {
        Some(index) => Ok(Applied::ConsumptionLost(
            usize::try_from(index).map_err(|_| rows::corrupt("consumption index"))?,
        )),
        None => Ok(Applied::Committed { locked }),
    }
}

impl PgStore {
    /// The step's statement and its failure's writes in one transaction: the lock's event is
    /// written only when this transaction's lock landed.
    async fn apply_with_failure(&self, write: &StepWrite) -> Result<Applied, sqlx::Error> {
        let statement =
            bind(sqlx::query(APPLY), write).map_err(|e| sqlx::Error::Encode(e.into()))?;
        let mut tx = self.pool.begin().await?;
        let row = statement.fetch_one(&mut *tx).await?;
        match gated(&row, false).map_err(|e| sqlx::Error::Decode(e.into()))? {
            Applied::Committed { .. } => {}
            lost => {
                tx.rollback().await?;
                return Ok(lost);
            }
        }
        hits::insert(&mut *tx, &write.hits).await?;
        if let Some(d) = &write.delay_password_source {
            let (tenant, subject, source) = (&d.tenant_id, &d.subject, &d.source);
            login_throttle::delay_password_source(&mut *tx, tenant, subject, source, d.until)
                .await?;
        }
        let locked = match &write.lock {
            Some(lock) => lock_landed(&mut tx, lock).await?,
            None => false,
        };
        tx.commit().await?;
        Ok(Applied::Committed { locked })
    }
}

/// Takes the failure's lock if its budget is still spent, and then tells it.
async fn lock_landed(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    write: &LockWrite,
) -> Result<bool, sqlx::Error> {
    let landed = match &write.lock {
        Lock::SecondFactor {
            user_id,
            state,
            max_attempts,
            ceiling,
        } => {
            lockout::lock_second_factor(&mut **tx, user_id, *state, *max_attempts, *ceiling).await?
        }
        Lock::PasswordAccount {
            tenant_id,
            subject,
            state,
            ceiling,
        } => {
            login_throttle::lock_password_account(&mut **tx, tenant_id, subject, *state, *ceiling)
                .await?
        }
    };
    if landed {
        events::insert(&mut **tx, &write.event).await?;
    }
    Ok(landed)
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// The session's columns ($1–$13), or NULLs where the write does not name them.
struct SessionColumns {
    kind: &'static str,
    id: Option<String>,
    tenant_id: Option<String>,
    user_id: Option<String>,
    expected: Option<Vec<u8>>,
    next: Option<Vec<u8>>,
    user_checked_at: Option<i64>,
    checks: Option<String>,
    client_id: Option<String>,
    created_at: Option<i64>,
    updated_at: Option<i64>,
    expires_at: Option<i64>,
    risk: Option<String>,
}

fn session_columns(write: &SessionWrite) -> Result<SessionColumns, StoreError> {
    let (kind, session, expected, next) = match write {
        SessionWrite::Keep => {
            return Ok(SessionColumns {
                kind: "keep",
                id: None,
                tenant_id: None,
                user_id: None,
                expected: None,
                next: None,
                user_checked_at: None,
                checks: None,
                client_id: None,
                created_at: None,
                updated_at: None,
                expires_at: None,
                risk: None,
            });
        }
        SessionWrite::Insert { session, token } => ("insert", session, None, token),
        SessionWrite::Rotate {
            session,
            expected,
            next,
        } => ("rotate", session, Some(expected), next),
    };
    Ok(SessionColumns {
        kind,
        id: Some(session.id.clone()),
        tenant_id: Some(session.tenant_id.clone()),
        user_id: session.user_id.clone(),
        expected: expected.map(|t| t.0.to_vec()),
        next: Some(next.0.to_vec()),
        user_checked_at: session.user_checked_at.map(|t| t.0),
        checks: Some(rows::json(&session.checks)?),
        client_id: session.client_id.clone(),
        created_at: Some(session.created_at.0),
        updated_at: Some(session.updated_at.0),
        expires_at: Some(session.expires_at.0),
        risk: session.risk.as_ref().map(rows::json).transpose()?,
    })
}

/// The consumptions by kind, each with its index in the step's list.
#[derive(Default)]
struct Spends {
    totp_ids: Vec<String>,
    totp_steps: Vec<i64>,
    totp_at: Vec<i64>,
    totp_index: Vec<i32>,
    code_users: Vec<String>,
    code_hashes: Vec<Vec<u8>>,
    code_at: Vec<i64>,
    code_index: Vec<i32>,
    challenge_ids: Vec<String>,
    challenge_index: Vec<i32>,
    exchange_ids: Vec<String>,
    exchange_index: Vec<i32>,
    credential_ids: Vec<String>,
    credential_params: Vec<String>,
    credential_counters: Vec<i64>,
    credential_at: Vec<i64>,
    credential_index: Vec<i32>,
}

fn spends(consume: &[Consumption]) -> Result<Spends, StoreError> {
    let mut s = Spends::default();
    for (index, consumption) in consume.iter().enumerate() {
        let index = i32::try_from(index).map_err(|_| rows::corrupt("too many consumptions"))?;
        match consumption {
            Consumption::TotpStep {
                authenticator_id,
                step,
                at,
            } => {
                s.totp_ids.push(authenticator_id.clone());
                s.totp_steps
                    .push(step_column(Some(*step))?.unwrap_or_default());
                s.totp_at.push(at.0);
                s.totp_index.push(index);
            }
            Consumption::BackupCode {
                user_id,
                code_hash,
                at,
            } => {
                s.code_users.push(user_id.clone());
                s.code_hashes.push(code_hash.0.to_vec());
                s.code_at.push(at.0);
                s.code_index.push(index);
            }
            Consumption::Challenge { id } => {
                s.challenge_ids.push(id.clone());
                s.challenge_index.push(index);
            }
            Consumption::QuestionExchange { id } => {
                s.exchange_ids.push(id.clone());
                s.exchange_index.push(index);
            }
            Consumption::CredentialCounter {
                authenticator_id,
                credential,
                counter,
                at,
            } => {
                s.credential_ids.push(authenticator_id.clone());
                s.credential_params.push(credential.to_string());
                s.credential_counters.push(i64::from(*counter));
                s.credential_at.push(at.0);
                s.credential_index.push(index);
            }
        }
    }
    Ok(s)
}

/// The password clears as three columns.
fn password_runs(runs: &[PasswordRun]) -> [Vec<String>; 3] {
    let mut columns: [Vec<String>; 3] = Default::default();
    for run in runs {
        columns[0].push(run.tenant_id.clone());
        columns[1].push(run.subject.clone());
        columns[2].push(run.source.clone().unwrap_or_default());
    }
    columns
}

/// The events as seven columns, in order.
#[derive(Default)]
struct EventColumns {
    tenant_id: Vec<String>,
    kind: Vec<&'static str>,
    at: Vec<i64>,
    user_id: Vec<Option<String>>,
    session_id: Vec<Option<String>>,
    ip: Vec<Option<String>>,
    detail: Vec<String>,
}

fn event_columns(events: &[NewEvent]) -> EventColumns {
    let mut c = EventColumns::default();
    for e in events {
        c.tenant_id.push(e.tenant_id.clone());
        c.kind.push(e.kind.as_str());
        c.at.push(e.at.0);
        c.user_id.push(e.user_id.clone());
        c.session_id.push(e.session_id.clone());
        c.ip.push(e.ip.clone());
        c.detail.push(e.detail.to_string());
    }
    c
}

fn bind<'q>(query: Query<'q>, write: &StepWrite) -> Result<Query<'q>, StoreError> {
    let s = session_columns(&write.session)?;
    let spent = spends(&write.consume)?;
    let [pw_tenants, pw_subjects, pw_sources] = password_runs(&write.clear_password);
    let e = event_columns(&write.events);
    Ok(query
        .bind(s.kind)
        .bind(s.id)
        .bind(s.tenant_id)
        .bind(s.user_id)
        .bind(s.expected)
        .bind(s.next)
        .bind(s.user_checked_at)
        .bind(s.checks)
        .bind(s.client_id)
        .bind(s.created_at)
        .bind(s.updated_at)
        .bind(s.expires_at)
        .bind(s.risk)
        .bind(spent.totp_ids)
        .bind(spent.totp_steps)
        .bind(spent.totp_at)
        .bind(spent.totp_index)
        .bind(spent.code_users)
        .bind(spent.code_hashes)
        .bind(spent.code_at)
        .bind(spent.code_index)
        .bind(spent.challenge_ids)
        .bind(spent.challenge_index)
        .bind(write.clear_second_factor.clone())
        .bind(pw_tenants)
        .bind(pw_subjects)
        .bind(pw_sources)
        .bind(e.tenant_id)
        .bind(e.kind)
        .bind(e.at)
        .bind(e.user_id)
        .bind(e.session_id)
        .bind(e.ip)
        .bind(e.detail)
        .bind(spent.exchange_ids)
        .bind(spent.exchange_index)
        .bind(write.lift_second_factor_lock.clone())
        .bind(spent.credential_ids)
        .bind(spent.credential_params)
        .bind(spent.credential_counters)
        .bind(spent.credential_at)
        .bind(spent.credential_index))
}
