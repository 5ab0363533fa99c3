//! The schema, from the embedded `migrations/sqlite/*.sql` files run in order, each once. Which
//! ran is kept in `twofold_migrations`; a database the sqlx-based store made records its own in
//! `_sqlx_migrations`, and those count as run, so an existing data directory upgrades in place.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use crate::StoreError;

struct Migration {
    version: i64,
    description: &'static str,
    sql: &'static str,
}

const fn migration(version: i64, description: &'static str, sql: &'static str) -> Migration {
    Migration {
        version,
        description,
        sql,
    }
}

const MIGRATIONS: &[Migration] = &[
    migration(
        1,
        "init",
        include_str!("../../migrations/sqlite/0001_init.sql"),
    ),
    migration(
        2,
        "challenges",
        include_str!("../../migrations/sqlite/0002_challenges.sql"),
    ),
    migration(
        3,
        "user language",
        include_str!("../../migrations/sqlite/0003_user_language.sql"),
    ),
    migration(
        4,
        "apps",
        include_str!("../../migrations/sqlite/0004_apps.sql"),
    ),
    migration(
        5,
        "signing keys",
        include_str!("../../migrations/sqlite/0005_signing_keys.sql"),
    ),
    migration(
        6,
        "auth requests",
        include_str!("../../migrations/sqlite/0006_auth_requests.sql"),
    ),
    migration(
        7,
        "oidc",
        include_str!("../../migrations/sqlite/0007_oidc.sql"),
    ),
    migration(
        8,
        "webauthn",
        include_str!("../../migrations/sqlite/0008_webauthn.sql"),
    ),
    migration(
        9,
        "admin token ids",
        include_str!("../../migrations/sqlite/0009_admin_token_ids.sql"),
    ),
    migration(
        10,
        "login throttle",
        include_str!("../../migrations/sqlite/0010_login_throttle.sql"),
    ),
    migration(
        11,
        "password throttle pruning",
        include_str!("../../migrations/sqlite/0011_password_throttle_pruning.sql"),
    ),
    migration(
        12,
        "groups and contacts",
        include_str!("../../migrations/sqlite/0012_groups_and_contacts.sql"),
    ),
    migration(
        13,
        "security questions",
        include_str!("../../migrations/sqlite/0013_security_questions.sql"),
    ),
    migration(
        14,
        "push",
        include_str!("../../migrations/sqlite/0014_push.sql"),
    ),
    migration(
        17,
        "lockout types",
        include_str!("../../migrations/sqlite/0017_lockout_types.sql"),
    ),
];

/// Applies the migrations not yet run, each in a transaction of its own together with its record.
/// The check is made inside the transaction, which takes the write lock at once, so two processes
/// opening the same new file do not both apply one.
pub(super) fn run(conn: &mut Connection) -> Result<(), StoreError> {
    let failed = |version: i64, e: StoreError| {
        StoreError::Unavailable(format!("migration {version} failed: {e}"))
    };
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS twofold_migrations (
             version     INTEGER PRIMARY KEY,
             description TEXT NOT NULL,
             applied_at  INTEGER NOT NULL
         )",
    )?;
    for m in MIGRATIONS {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if applied(&tx, m.version)? {
            continue;
        }
        tx.execute_batch(m.sql)
            .map_err(|e| failed(m.version, e.into()))?;
        tx.execute(
            "INSERT INTO twofold_migrations (version, description, applied_at) VALUES (?1, ?2, unixepoch())",
            (m.version, m.description),
        )?;
        tx.commit()?;
    }
    Ok(())
}

fn applied(conn: &Connection, version: i64) -> Result<bool, StoreError> {
    let ours = conn
        .query_row(
            "SELECT 1 FROM twofold_migrations WHERE version = ?1",
            [version],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if ours {
        return Ok(true);
    }
    let sqlx_table = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
            [],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if !sqlx_table {
        return Ok(false);
    }
    Ok(conn
        .query_row(
            "SELECT 1 FROM _sqlx_migrations WHERE version = ?1 AND success",
            [version],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}
