use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// The database could not be reached or did not answer in time.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A uniqueness rule was hit (a username that exists).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A stored value could not be read back into the domain.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        use sqlx::Error as E;
        match &err {
            E::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(db.message().to_owned())
            }
            E::Io(_)
            | E::Tls(_)
            | E::PoolTimedOut
            | E::PoolClosed
            | E::WorkerCrashed
            | E::Protocol(_) => StoreError::Unavailable(err.to_string()),
            E::Database(db) if is_unavailable_code(db.code().as_deref()) => {
                StoreError::Unavailable(err.to_string())
            }
            E::ColumnDecode { .. }
            | E::Decode(_)
            | E::ColumnNotFound(_)
            | E::TypeNotFound { .. } => StoreError::Corrupt(err.to_string()),
            _ => StoreError::Database(err.to_string()),
        }
    }
}

/// PostgreSQL classes 08 (connection), 53 (resources), 57P (operator intervention: shutdown).
fn is_unavailable_code(code: Option<&str>) -> bool {
    code.is_some_and(|c| c.starts_with("08") || c.starts_with("53") || c.starts_with("57P"))
}
