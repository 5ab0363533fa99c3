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

// The three row kinds every sign-in step reads are read by column index, not name: a name is a
// scan of the statement's column names per value (`strlen` and a case-insensitive compare), which
// was 3 % of a TOTP check. Every query read with `user`, `authenticator` or `session` selects
// the columns of `SELECT_USERS`, `AUTHENTICATOR_COLUMNS` or `SESSION_COLUMNS`, in that order.

/// Text read in place (no `String`), for a column parsed right away.
fn text<'r>(row: &'r Row<'_>, index: usize, column: &str) -> Result<&'r str, StoreError> {
    row.get_ref(index)?.as_str().map_err(|_| corrupt(column))
}

fn optional_text<'r>(
    row: &'r Row<'_>,
    index: usize,
    column: &str,
) -> Result<Option<&'r str>, StoreError> {
    row.get_ref(index)?
        .as_str_or_null()
        .map_err(|_| corrupt(column))
}

fn count_at(row: &Row<'_>, index: usize, column: &str) -> Result<u32, StoreError> {
    u32::try_from(row.get::<_, i64>(index)?).map_err(|_| corrupt(column))
}

/// Read with `SELECT_USERS` (`users.rs`).
pub(super) fn user(row: &Row<'_>) -> Result<User, StoreError> {
    Ok(User {
        id: row.get(0)?,
        tenant_id: row.get(1)?,
        username: row.get(2)?,
        email: row.get(3)?,
        email_verified: row.get(4)?,
        phone: row.get(5)?,
        phone_verified: row.get(6)?,
        language: row.get(7)?,
        password_hash: row.get(8)?,
        mfa_enabled: row.get(9)?,
        required_factors: from_json::<Vec<Factor>>(
            text(row, 10, "users.required_factors")?,
            "users.required_factors",
        )?,
        second_factor: Counter {
            failures: count_at(row, 11, "sf_failures")?,
            run: count_at(row, 12, "sf_run")?,
            lockouts: count_at(row, 13, "sf_lockouts")?,
            lock: lock_from_column(row.get(14)?),
        },
        password: Counter {
            failures: count_at(row, 15, "pw_failures")?,
            run: count_at(row, 16, "pw_run")?,
            lockouts: count_at(row, 17, "pw_lockouts")?,
            lock: lock_from_column(row.get(18)?),
        },
        created_at: UnixTime(row.get(19)?),
        updated_at: UnixTime(row.get(20)?),
    })
}

/// The columns `authenticator` reads, in its order.
pub(super) const AUTHENTICATOR_COLUMNS: &str = "id, user_id, factor, name, state, sealed_secret, \
     params, last_step, created_at, last_used_at";

pub(super) fn authenticator(row: &Row<'_>) -> Result<Authenticator, StoreError> {
    let last_step: Option<i64> = row.get(7)?;
    Ok(Authenticator {
        id: row.get(0)?,
        user_id: row.get(1)?,
        factor: text(row, 2, "authenticators.factor")?
            .parse()
            .map_err(|_| corrupt("authenticators.factor"))?,
        name: row.get(3)?,
        state: match text(row, 4, "authenticators.state")? {
            "pending" => AuthenticatorState::Pending,
            "active" => AuthenticatorState::Active,
            _ => return Err(corrupt("authenticators.state")),
        },
        sealed_secret: row.get(5)?,
        params: from_json(
            text(row, 6, "authenticators.params")?,
            "authenticators.params",
        )?,
        last_step: last_step
            .map(|s| u64::try_from(s).map_err(|_| corrupt("last_step")))
            .transpose()?,
        created_at: UnixTime(row.get(8)?),
        last_used_at: row.get::<_, Option<i64>>(9)?.map(UnixTime),
    })
}

/// The columns `session` reads, in its order.
pub(super) const SESSION_COLUMNS: &str = "id, tenant_id, user_id, token_hash, user_checked_at, \
     checks, client_id, created_at, updated_at, expires_at, risk";

pub(super) fn session(row: &Row<'_>) -> Result<(Session, TokenHash), StoreError> {
    let token = row
        .get_ref(3)?
        .as_blob()
        .ok()
        .and_then(TokenHash::from_slice)
        .ok_or_else(|| corrupt("token_hash"))?;
    let session = Session {
        id: row.get(0)?,
        tenant_id: row.get(1)?,
        user_id: row.get(2)?,
        user_checked_at: row.get::<_, Option<i64>>(4)?.map(UnixTime),
        checks: from_json(text(row, 5, "sessions.checks")?, "sessions.checks")?,
        client_id: row.get(6)?,
        risk: optional_text(row, 10, "sessions.risk")?
            .map(|r| from_json(r, "sessions.risk"))
            .transpose()?,
        created_at: UnixTime(row.get(7)?),
        updated_at: UnixTime(row.get(8)?),
        expires_at: UnixTime(row.get(9)?),
    };
    Ok((session, token))
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
