//! Where the database file is, and opening connections to it set up for Twofold.

use std::path::PathBuf;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::StoreError;

/// How long a statement waits for a lock another process holds before failing as unavailable.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Statements each connection keeps prepared: every statement of the store fits.
const STATEMENT_CACHE: usize = 256;

/// The database file a `sqlite:` URL names (`sqlite://PATH?mode=rwc`, `sqlite:PATH`), and whether
/// it may be created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Location {
    pub path: PathBuf,
    pub create: bool,
}

impl Location {
    /// The forms sqlx accepted, so existing configurations keep working: `mode=rwc` creates a
    /// missing file, `mode=rw` (the default) does not, `mode=ro` is refused since the server
    /// writes. An in-memory database is refused: each connection would see its own.
    pub fn parse(url: &str) -> Result<Location, StoreError> {
        let bad = |why: &str| StoreError::Unavailable(format!("database URL `{url}`: {why}"));
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .ok_or_else(|| bad("not a sqlite: URL"))?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mut create = false;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=').unwrap_or((pair, "")) {
                ("mode", "rwc") => create = true,
                ("mode", "rw") => create = false,
                ("mode", "memory") => return Err(bad("an in-memory database is not supported")),
                ("mode", other) => return Err(bad(&format!("mode `{other}` is not supported"))),
                // Shared caches and immutability were sqlx connection tuning; nothing to do.
                ("cache" | "immutable", _) => {}
                (other, _) => return Err(bad(&format!("unknown parameter `{other}`"))),
            }
        }
        let path = percent_encoding::percent_decode_str(path)
            .decode_utf8()
            .map_err(|_| bad("the path is not UTF-8"))?;
        if path.is_empty() || path == ":memory:" {
            return Err(bad("give the path of a database file"));
        }
        Ok(Location {
            path: PathBuf::from(path.as_ref()),
            create,
        })
    }
}

/// The writer's connection: WAL, so readers never wait for it.
pub(super) fn open_writer(location: &Location) -> Result<Connection, StoreError> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if location.create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = open(location, flags)?;
    // NORMAL is durable in WAL mode except for the last commits on power loss.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(conn)
}

/// A reader's connection: refuses writes, so a read closure cannot write by mistake.
pub(super) fn open_reader(location: &Location) -> Result<Connection, StoreError> {
    let conn = open(
        location,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

fn open(location: &Location, flags: OpenFlags) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(&location.path, flags).map_err(|e| {
        StoreError::Unavailable(format!(
            "cannot open SQLite database {}: {e}",
            location.path.display()
        ))
    })?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_url_forms_in_use_name_a_file() {
        assert_eq!(
            Location::parse("sqlite:///tmp/data/twofold.db?mode=rwc").unwrap(),
            Location {
                path: PathBuf::from("/tmp/data/twofold.db"),
                create: true
            }
        );
        assert_eq!(
            Location::parse("sqlite:twofold.db").unwrap(),
            Location {
                path: PathBuf::from("twofold.db"),
                create: false
            }
        );
        assert_eq!(
            Location::parse("sqlite://data%20dir/x.db").unwrap().path,
            PathBuf::from("data dir/x.db")
        );
    }

    #[test]
    fn memory_and_unknown_modes_are_refused() {
        assert!(Location::parse("sqlite::memory:").is_err());
        assert!(Location::parse("sqlite://?mode=memory").is_err());
        assert!(Location::parse("sqlite:x.db?mode=ro").is_err());
        assert!(Location::parse("postgres://x").is_err());
    }
}
