//! Which database a URL names, how to reach it, and opening it ready for use.

use std::sync::Arc;

use crate::postgres::PgStore;
use crate::sqlite::SqliteStore;
use crate::{Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Result<Backend, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::Unavailable(
                "database URL must start with sqlite: or postgres://".to_owned(),
            ))
        }
    }
}

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub url: String,
    /// PostgreSQL: the pool's size. SQLite: how many reader connections (at least two) serve
    /// reads beside the one writer.
    pub max_connections: u32,
    /// PostgreSQL only: keep Twofold's tables in this schema (created if missing), so one
    /// database can hold several installations or test runs.
    pub schema: Option<String>,
}

/// Connects to the database the URL names and applies its pending migrations.
pub async fn open(options: &StoreOptions) -> Result<Arc<dyn Store>, StoreError> {
    match Backend::of_url(&options.url)? {
        Backend::Sqlite => {
            // Opening and migrating a file blocks; keep it off the runtime's threads.
            let options = options.clone();
            let store = tokio::task::spawn_blocking(move || SqliteStore::open(&options))
                .await
                .map_err(|e| StoreError::Unavailable(format!("opening SQLite failed: {e}")))??;
            Ok(Arc::new(store))
        }
        Backend::Postgres => {
            let store = PgStore::connect(options).await?;
            store.migrate().await?;
            Ok(Arc::new(store))
        }
    }
}
