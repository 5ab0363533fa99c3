//! rusqlite's errors as the store's.

use rusqlite::ErrorCode;
use rusqlite::ffi;

use crate::StoreError;

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        use rusqlite::Error as E;
        match &err {
            E::SqliteFailure(failure, _)
                if failure.extended_code == ffi::SQLITE_CONSTRAINT_UNIQUE
                    || failure.extended_code == ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
            {
                StoreError::Conflict(err.to_string())
            }
            E::SqliteFailure(failure, _)
                if matches!(
                    failure.code,
                    ErrorCode::DatabaseBusy
                        | ErrorCode::DatabaseLocked
                        | ErrorCode::CannotOpen
                        | ErrorCode::SystemIoFailure
                        | ErrorCode::DiskFull
                        | ErrorCode::OutOfMemory
                ) =>
            {
                StoreError::Unavailable(err.to_string())
            }
            E::FromSqlConversionFailure(..)
            | E::IntegralValueOutOfRange(..)
            | E::InvalidColumnType(..)
            | E::InvalidColumnName(_)
            | E::InvalidColumnIndex(_)
            | E::Utf8Error(..) => StoreError::Corrupt(err.to_string()),
            _ => StoreError::Database(err.to_string()),
        }
    }
}
