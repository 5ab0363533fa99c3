//! PostgreSQL: the scale-out store, on sqlx's native `PgPool`. Any number of server nodes share
//! one database; everything they must agree on is one conditional statement, or one transaction
//! where a use case writes several tables.
//!
//! Each concept of the [`Store`](crate::Store) is answered in the file named for it, as in the
//! trait's own folder and the SQLite twin.

mod admin_tokens;
mod apps;
mod auth_requests;
mod authenticators;
mod backup_codes;
mod captchas;
mod ceremonies;
mod challenges;
mod contacts;
mod devices;
mod events;
mod grants;
mod groups;
mod hits;
mod lockout;
mod login_throttle;
mod migrations;
mod pool;
mod push;
mod reservations;
mod retry;
mod rows;
mod security_questions;
mod sessions;
mod setup_skips;
mod signing_keys;
mod steps;
mod tenants;
mod user_views;
mod users;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool};
use sqlx::{AssertSqlSafe, Executor};

use crate::{StoreError, StoreOptions};

/// How long a request waits for a connection before the database counts as unavailable: a
/// database that is down answers in seconds, not never.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects without migrating. Connections are not pinged when taken from the pool (a dead
    /// one fails its statement as unavailable instead); prepared statements are cached on each.
    pub async fn connect(options: &StoreOptions) -> Result<PgStore, StoreError> {
        let mut connect = PgConnectOptions::from_str(&options.url)
            .map_err(|e| StoreError::Unavailable(format!("bad database URL: {e}")))?;
        if let Some(schema) = &options.schema {
            check_schema_name(schema)?;
            // In the start-up message: no extra round trip per connection.
            connect = connect.options([("search_path", schema.as_str())]);
        }
        let pool = pool::open(connect, options.max_connections, ACQUIRE_TIMEOUT).await?;
        if let Some(schema) = &options.schema {
            // The name was checked above, so it may become part of the statement.
            pool.execute(AssertSqlSafe(format!(
                "CREATE SCHEMA IF NOT EXISTS {schema}"
            )))
            .await?;
        }
        Ok(PgStore { pool })
    }

    /// Applies the embedded migrations that have not run yet.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        migrations::migrator()
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Unavailable(format!("migration failed: {e}")))
    }
}

/// A schema name becomes part of a statement, so it is checked rather than quoted blindly.
fn check_schema_name(schema: &str) -> Result<(), StoreError> {
    let valid = !schema.is_empty()
        && schema.len() <= 63
        && schema
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !schema.starts_with(|c: char| c.is_ascii_digit());
    if valid {
        Ok(())
    } else {
        Err(StoreError::Unavailable(
            "schema must be lower-case letters, digits and _".to_owned(),
        ))
    }
}
