//! SQLite, the embedded default, on rusqlite: every use case is one closure run on the thread
//! that owns a connection, so a use case costs one hand-off however many statements it runs.
//! Reads go to a small set of reader connections; writes go to the one writer, which commits the
//! writes that arrived together in one transaction (see `writer.rs`).

mod admin_tokens;
mod apps;
mod auth_requests;
mod authenticators;
mod backup_codes;
mod captchas;
mod ceremonies;
mod challenges;
mod connection;
mod contacts;
mod devices;
mod errors;
mod events;
mod grants;
mod groups;
mod hits;
mod lockout;
mod login_throttle;
mod migrations;
mod push;
mod readers;
mod reservations;
mod rows;
mod security_questions;
mod sessions;
mod setup_skips;
mod signing_keys;
mod steps;
mod tenants;
mod user_views;
mod users;
mod writer;

use rusqlite::Connection;

use crate::{StoreError, StoreOptions};
use connection::Location;
use readers::Readers;
use writer::{Kept, Writer};

/// The fewest reader connections, so one slow read never holds up every other.
const MIN_READERS: u32 = 2;

/// The SQLite store. Cheap to share: its threads end when it is dropped.
pub struct SqliteStore {
    readers: Readers,
    writer: Writer,
}

impl SqliteStore {
    /// Opens (creating it when the URL allows) and migrates the database, then starts the writer
    /// and `max_connections` readers. Blocks: call it off the async runtime's threads.
    pub fn open(options: &StoreOptions) -> Result<SqliteStore, StoreError> {
        if options.schema.is_some() {
            return Err(StoreError::Unavailable(
                "a schema can only be chosen on PostgreSQL".to_owned(),
            ));
        }
        let location = Location::parse(&options.url)?;
        let mut writer = connection::open_writer(&location)?;
        migrations::run(&mut writer)?;
        let readers = (0..options.max_connections.max(MIN_READERS))
            .map(|_| connection::open_reader(&location))
            .collect::<Result<Vec<Connection>, StoreError>>()?;
        Ok(SqliteStore {
            readers: Readers::start(readers)?,
            writer: Writer::start(writer)?,
        })
    }

    /// Runs `f` on a reader connection's thread and answers its result.
    async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.readers.run(f).await
    }

    /// Runs `f` on the writer's thread inside a transaction (its own savepoint when it shares
    /// the transaction with other writes) and answers its result once that has committed; an
    /// `Err` from `f` undoes only what `f` wrote.
    async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.writer.run(f).await
    }

    /// Like `write`, for a closure that may find its writes must not stand (a compare-and-set
    /// it lost): `Kept::Undo` undoes them and still answers its value.
    async fn write_or_undo<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<Kept<T>, StoreError> + Send + 'static,
    {
        self.writer.run_or_undo(f).await
    }
}
