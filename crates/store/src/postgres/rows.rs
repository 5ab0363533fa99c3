//! Reading PostgreSQL rows back into domain values, and the column forms shared by several
//! files. A value that does not parse is `Corrupt`, never a panic.

use std::borrow::Cow;

use sqlx::Row;
use sqlx::postgres::PgRow;
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

/// Booleans are 0/1 in BIGINT columns: the schema is shared in shape with SQLite.
pub(super) fn flag(value: bool) -> i64 {
    i64::from(value)
}

pub(super) fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_owned())
}

/// A step or signature counter in a BIGINT column.
pub(super) fn step_column(step: Option<u64>) -> Result<Option<i64>, StoreError> {
    step.map(|s| i64::try_from(s).map_err(|_| corrupt("step out of range")))
        .transpose()
}

pub(super) fn count(row: &PgRow, column: &str) -> Result<u32, StoreError> {
    u32::try_from(row.try_get::<i64, _>(column)?).map_err(|_| corrupt(column))
}

pub(super) fn time(row: &PgRow, column: &str) -> Result<UnixTime, StoreError> {
    Ok(UnixTime(row.try_get(column)?))
}

pub(super) fn optional_time(row: &PgRow, column: &str) -> Result<Option<UnixTime>, StoreError> {
    Ok(row.try_get::<Option<i64>, _>(column)?.map(UnixTime))
}

pub(super) fn token_hash(row: &PgRow, column: &str) -> Result<TokenHash, StoreError> {
    let bytes: Vec<u8> = row.try_get(column)?;
    TokenHash::from_slice(&bytes).ok_or_else(|| corrupt(column))
}

/// A counter as four columns named `{prefix}failures`, `{prefix}run`, `{prefix}lockouts` and
/// `{prefix}locked_until`.
pub(super) fn counter(
    row: &PgRow,
    failures: &str,
    run: &str,
    lockouts: &str,
    locked_until: &str,
) -> Result<Counter, StoreError> {
    Ok(Counter {
        failures: count(row, failures)?,
        run: count(row, run)?,
        lockouts: count(row, lockouts)?,
        lock: lock_from_column(row.try_get(locked_until)?),
    })
}

pub(super) fn user(row: &PgRow) -> Result<User, StoreError> {
    user_at(row, "")
}

/// A column under a prefix, for rows that join several tables with clashing names; no
/// allocation for the plain name.
fn col<'a>(prefix: &str, name: &'a str) -> Cow<'a, str> {
    if prefix.is_empty() {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(format!("{prefix}{name}"))
    }
}

/// A user whose columns are named `{prefix}id`, `{prefix}tenant_id` and so on.
pub(super) fn user_at(row: &PgRow, prefix: &str) -> Result<User, StoreError> {
    let c = |name: &'static str| col(prefix, name);
    let required: String = row.try_get(&*c("required_factors"))?;
    let required_factors: Vec<Factor> =
        serde_json::from_str(&required).map_err(|_| corrupt("users.required_factors"))?;
    Ok(User {
        id: row.try_get(&*c("id"))?,
        tenant_id: row.try_get(&*c("tenant_id"))?,
        username: row.try_get(&*c("username"))?,
        email: row.try_get(&*c("email"))?,
        email_verified: row.try_get::<i64, _>(&*c("email_verified"))? != 0,
        phone: row.try_get(&*c("phone"))?,
        phone_verified: row.try_get::<i64, _>(&*c("phone_verified"))? != 0,
        language: row.try_get(&*c("language"))?,
        password_hash: row.try_get(&*c("password_hash"))?,
        mfa_enabled: row.try_get::<i64, _>(&*c("mfa_enabled"))? != 0,
        required_factors,
        second_factor: counter(
            row,
            &c("sf_failures"),
            &c("sf_run"),
            &c("sf_lockouts"),
            &c("sf_locked_until"),
        )?,
        password: counter(
            row,
            &c("pw_failures"),
            &c("pw_run"),
            &c("pw_lockouts"),
            &c("pw_locked_until"),
        )?,
        created_at: time(row, &c("created_at"))?,
        updated_at: time(row, &c("updated_at"))?,
    })
}

pub(super) fn authenticator(row: &PgRow) -> Result<Authenticator, StoreError> {
    authenticator_at(row, "")
}

/// An authenticator whose columns are named `{prefix}id`, `{prefix}user_id` and so on.
pub(super) fn authenticator_at(row: &PgRow, prefix: &str) -> Result<Authenticator, StoreError> {
    let c = |name: &'static str| col(prefix, name);
    let factor: String = row.try_get(&*c("factor"))?;
    let state: String = row.try_get(&*c("state"))?;
    let params: String = row.try_get(&*c("params"))?;
    let last_step: Option<i64> = row.try_get(&*c("last_step"))?;
    Ok(Authenticator {
        id: row.try_get(&*c("id"))?,
        user_id: row.try_get(&*c("user_id"))?,
        factor: factor
            .parse()
            .map_err(|_| corrupt("authenticators.factor"))?,
        name: row.try_get(&*c("name"))?,
        state: match state.as_str() {
            "pending" => AuthenticatorState::Pending,
            "active" => AuthenticatorState::Active,
            _ => return Err(corrupt("authenticators.state")),
        },
        sealed_secret: row.try_get(&*c("sealed_secret"))?,
        params: serde_json::from_str(&params).map_err(|_| corrupt("authenticators.params"))?,
        last_step: last_step
            .map(|s| u64::try_from(s).map_err(|_| corrupt("authenticators.last_step")))
            .transpose()?,
        created_at: time(row, &c("created_at"))?,
        last_used_at: optional_time(row, &c("last_used_at"))?,
    })
}

pub(super) fn session(row: &PgRow) -> Result<(Session, TokenHash), StoreError> {
    let checks: String = row.try_get("checks")?;
    let session = Session {
        id: row.try_get("id")?,
        tenant_id: row.try_get("tenant_id")?,
        user_id: row.try_get("user_id")?,
        user_checked_at: optional_time(row, "user_checked_at")?,
        checks: serde_json::from_str(&checks).map_err(|_| corrupt("sessions.checks"))?,
        client_id: row.try_get("client_id")?,
        risk: row
            .try_get::<Option<String>, _>("risk")?
            .map(|r| serde_json::from_str(&r).map_err(|_| corrupt("sessions.risk")))
            .transpose()?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
        expires_at: time(row, "expires_at")?,
    };
    Ok((session, token_hash(row, "token_hash")?))
}
