//! One SQL implementation of the [`Store`](crate::Store) for SQLite and PostgreSQL.
//!
//! The schema uses types both databases share (text ids, integer times, bytes for hashes and
//! sealed secrets), so one set of portable statements serves both through sqlx's `Any` driver;
//! what differs (connection set-up, DDL) lives in `sqlite.rs` and `postgres.rs`.

mod admin_tokens;
mod apps;
mod auth_requests;
mod authenticators;
mod backup_codes;
mod ceremonies;
mod challenges;
mod devices;
mod events;
mod grants;
mod hits;
mod lockout;
mod login_throttle;
mod postgres;
mod reservations;
mod rows;
mod sessions;
mod signing_keys;
mod sqlite;
mod steps;
mod store_impl;
mod tenants;
mod users;

use std::time::Duration;

use sqlx::AnyPool;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use std::borrow::Cow;

use sqlx::SqlStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

use crate::{Backend, StoreError, StoreOptions};

/// One embedded migration. Each backend lists its own files: the DDL differs, the steps do not.
fn migration(version: i64, description: &'static str, sql: &'static str) -> Migration {
    Migration::new(
        version,
        Cow::Borrowed(description),
        MigrationType::Simple,
        SqlStr::from_static(sql),
        false,
    )
}

#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
}

impl SqlStore {
    /// Connects without migrating. Requests wait at most a few seconds for a connection and then
    /// fail as unavailable rather than hang.
    pub async fn connect(options: &StoreOptions) -> Result<SqlStore, StoreError> {
        install_default_drivers();
        let backend = Backend::of_url(&options.url)?;
        let pool_options = AnyPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .min_connections(0)
            .acquire_timeout(Duration::from_secs(3));
        let pool_options = match (backend, &options.schema) {
            (Backend::Sqlite, None) => sqlite::configure(pool_options),
            (Backend::Postgres, None) => pool_options,
            (Backend::Postgres, Some(schema)) => postgres::in_schema(pool_options, schema)?,
            (Backend::Sqlite, Some(_)) => {
                return Err(StoreError::Unavailable(
                    "a schema can only be chosen on PostgreSQL".to_owned(),
                ));
            }
        };
        let pool = pool_options.connect(&options.url).await?;
        Ok(SqlStore { pool, backend })
    }

    /// Applies the embedded migrations of this backend that have not run yet.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        migrator(self.backend)
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Unavailable(format!("migration failed: {e}")))
    }
}

fn migrator(backend: Backend) -> Migrator {
    match backend {
        Backend::Sqlite => sqlite::migrator(),
        Backend::Postgres => postgres::migrator(),
    }
}
