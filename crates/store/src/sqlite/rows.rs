//! Reading rows back into domain values and writing domain values into columns. A value that
//! does not parse is `Corrupt`, never a panic.

use rusqlite::{Connection, Params, Row};
use twofold_core::authenticator::{Authenticator, AuthenticatorState};
use twofold_core::lockout::{Counter, LockState};
use twofold_core::secrets::TokenHash;
use twofold_core::session::Session;
use twofold_core::user::User;
use twofold_core::{Factor, UnixTime};

use crate::StoreError;

/// A block has no end: stored as the largest time there is, so one column serves both kinds.
const BLOCKED: i64 = i64::MAX;

pub(super) fn lock_to_column(lock: LockState) -> Option<i64> {
    match lock {
        LockState::Open => None,
        LockState::Until(until) => Some(until.0),
        LockState::Blocked => Some(BLOCKED),
    }
}

pub(super) fn lock_from_column(value: Option<i64>) -> LockState {
    match value {
        None => LockState::Open,
        Some(BLOCKED) => LockState::Blocked,
        Some(until) => LockState::Until(UnixTime(until)),
    }
}

/// A value for a JSON text column.
pub(super) fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A JSON text column read back.
pub(super) fn from_json<T: serde::de::DeserializeOwned>(
    text: &str,
    column: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|_| corrupt(column))
}

pub(super) fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_owned())
}

pub(super) fn count(row: &Row<'_>, column: &str) -> Result<u32, StoreError> {
    u32::try_from(row.get::<_, i64>(column)?).map_err(|_| corrupt(column))
}

pub(super) fn time(row: &Row<'_>, column: &str) -> Result<UnixTime, StoreError> {
    Ok(UnixTime(row.get(column)?))
}

pub(super) fn optional_time(row: &Row<'_>, column: &str) -> Result<Option<UnixTime>, StoreError> {
    Ok(row.get::<_, Option<i64>>(column)?.map(UnixTime))
}

pub(super) fn hash(row: &Row<'_>, column: &str) -> Result<TokenHash, StoreError> {
    let bytes: Vec<u8> = row.get(column)?;
    TokenHash::from_slice(&bytes).ok_or_else(|| corrupt(column))
}

/// A step or signature counter as stored (SQLite integers are signed).
pub(super) fn step_column(step: Option<u64>) -> Result<Option<i64>, StoreError> {
    step.map(|s| i64::try_from(s).map_err(|_| StoreError::Corrupt("step out of range".to_owned())))
        .transpose()
}

pub(super) fn user(row: &Row<'_>) -> Result<User, StoreError> {
    let required: String = row.get("required_factors")?;
    Ok(User {
        id: row.get("id")?,
        tenant_id: row.get("tenant_id")?,
        username: row.get("username")?,
        email: row.get("email")?,
        email_verified: row.get("email_verified")?,
        phone: row.get("phone")?,
        phone_verified: row.get("phone_verified")?,
        language: row.get("language")?,
        password_hash: row.get("password_hash")?,
        mfa_enabled: row.get("mfa_enabled")?,
        required_factors: from_json::<Vec<Factor>>(&required, "users.required_factors")?,
        second_factor: second_factor_counter(row)?,
        password: Counter {
            failures: count(row, "pw_failures")?,
            run: count(row, "pw_run")?,
            lockouts: count(row, "pw_lockouts")?,
            lock: lock_from_column(row.get("pw_locked_until")?),
        },
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

pub(super) fn authenticator(row: &Row<'_>) -> Result<Authenticator, StoreError> {
    let factor: String = row.get("factor")?;
    let state: String = row.get("state")?;
    let params: String = row.get("params")?;
    let last_step: Option<i64> = row.get("last_step")?;
    Ok(Authenticator {
        id: row.get("id")?,
        user_id: row.get("user_id")?,
        factor: factor
            .parse()
            .map_err(|_| corrupt("authenticators.factor"))?,
        name: row.get("name")?,
        state: match state.as_str() {
            "pending" => AuthenticatorState::Pending,
            "active" => AuthenticatorState::Active,
            _ => return Err(corrupt("authenticators.state")),
        },
        sealed_secret: row.get("sealed_secret")?,
        params: from_json(&params, "authenticators.params")?,
        last_step: last_step
            .map(|s| u64::try_from(s).map_err(|_| corrupt("last_step")))
            .transpose()?,
        created_at: time(row, "created_at")?,
        last_used_at: optional_time(row, "last_used_at")?,
    })
}

pub(super) const SESSION_COLUMNS: &str = "id, tenant_id, user_id, token_hash, user_checked_at, \
     checks, client_id, created_at, updated_at, expires_at, risk";

pub(super) fn session(row: &Row<'_>) -> Result<(Session, TokenHash), StoreError> {
    let checks: String = row.get("checks")?;
    let risk: Option<String> = row.get("risk")?;
    let session = Session {
        id: row.get("id")?,
        tenant_id: row.get("tenant_id")?,
        user_id: row.get("user_id")?,
        user_checked_at: optional_time(row, "user_checked_at")?,
        checks: from_json(&checks, "sessions.checks")?,
        client_id: row.get("client_id")?,
        risk: risk.map(|r| from_json(&r, "sessions.risk")).transpose()?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
        expires_at: time(row, "expires_at")?,
    };
    Ok((session, hash(row, "token_hash")?))
}

/// The first row of a query, read with `f`; `None` when there is none.
pub(super) fn one<T>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
    f: impl FnOnce(&Row<'_>) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError> {
    let mut statement = conn.prepare_cached(sql)?;
    let mut rows = statement.query(params)?;
    rows.next()?.map(f).transpose()
}

/// Every row of a query, each read with `f`.
pub(super) fn all<T>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
    mut f: impl FnMut(&Row<'_>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut statement = conn.prepare_cached(sql)?;
    let mut rows = statement.query(params)?;
    let mut found = Vec::new();
    while let Some(row) = rows.next()? {
        found.push(f(row)?);
    }
    Ok(found)
}

/// Runs a statement; how many rows it changed.
pub(super) fn execute(
    conn: &Connection,
    sql: &str,
    params: impl Params,
) -> Result<usize, StoreError> {
    Ok(conn.prepare_cached(sql)?.execute(params)?)
}

/// The second-factor counter from a row of `users` (or one returning its `sf_*` columns).
pub(super) fn second_factor_counter(row: &Row<'_>) -> Result<Counter, StoreError> {
    Ok(Counter {
        failures: count(row, "sf_failures")?,
        run: count(row, "sf_run")?,
        lockouts: count(row, "sf_lockouts")?,
        lock: lock_from_column(row.get("sf_locked_until")?),
    })
}
