//! SQLite: the embedded default. WAL so readers never wait for the writer.

use std::borrow::Cow;

use sqlx::any::AnyPoolOptions;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{Executor, SqlStr};

pub(super) fn migrator() -> Migrator {
    Migrator::with_migrations(vec![
        Migration::new(
            1,
            Cow::Borrowed("init"),
            MigrationType::Simple,
            SqlStr::from_static(include_str!("../../migrations/sqlite/0001_init.sql")),
            false,
        ),
        Migration::new(
            2,
            Cow::Borrowed("challenges"),
            MigrationType::Simple,
            SqlStr::from_static(include_str!("../../migrations/sqlite/0002_challenges.sql")),
            false,
        ),
    ])
}

pub(super) fn configure(options: AnyPoolOptions) -> AnyPoolOptions {
    options.after_connect(|conn, _meta| {
        Box::pin(async move {
            // NORMAL is durable in WAL mode except for the last commits on power loss.
            conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;")
                .await?;
            Ok(())
        })
    })
}
