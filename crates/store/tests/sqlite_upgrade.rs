//! A data directory made by the sqlx-based store opens with the rusqlite one: the migrations
//! sqlx recorded as run are not run again, and the ones it never saw are.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use rusqlite::Connection;
use support::{TENANT, unique};
use twofold_core::settings::LoginSettings;
use twofold_core::{Factor, UnixTime};
use twofold_store::StoreOptions;

const SQL: [&str; 11] = [
    include_str!("../migrations/sqlite/0001_init.sql"),
    include_str!("../migrations/sqlite/0002_challenges.sql"),
    include_str!("../migrations/sqlite/0003_user_language.sql"),
    include_str!("../migrations/sqlite/0004_apps.sql"),
    include_str!("../migrations/sqlite/0005_signing_keys.sql"),
    include_str!("../migrations/sqlite/0006_auth_requests.sql"),
    include_str!("../migrations/sqlite/0007_oidc.sql"),
    include_str!("../migrations/sqlite/0008_webauthn.sql"),
    include_str!("../migrations/sqlite/0009_admin_token_ids.sql"),
    include_str!("../migrations/sqlite/0010_login_throttle.sql"),
    include_str!("../migrations/sqlite/0011_password_throttle_pruning.sql"),
];

/// A database as sqlx left it after running the first `applied` migrations: their DDL, and
/// sqlx's own record of them (its table as sqlx 0.9 creates it on SQLite).
fn sqlx_database(applied: usize) -> (std::path::PathBuf, Connection) {
    let dir = std::env::temp_dir().join(unique("twofold_upgrade"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("twofold.db");
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE _sqlx_migrations (
             version BIGINT PRIMARY KEY,
             description TEXT NOT NULL,
             installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
             success BOOLEAN NOT NULL,
             checksum BLOB NOT NULL,
             execution_time BIGINT NOT NULL
         )",
    )
    .unwrap();
    for (n, sql) in SQL.iter().enumerate().take(applied) {
        conn.execute_batch(sql).unwrap();
        conn.execute(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (?1, 'old', TRUE, x'00', 1)",
            [i64::try_from(n + 1).unwrap()],
        )
        .unwrap();
    }
    (path, conn)
}

fn options(path: &std::path::Path) -> StoreOptions {
    StoreOptions {
        url: format!("sqlite://{}?mode=rwc", path.display()),
        max_connections: 2,
        schema: None,
    }
}

#[tokio::test]
async fn a_fully_migrated_sqlx_database_opens_without_running_anything_again() {
    let (path, conn) = sqlx_database(SQL.len());
    conn.execute_batch(
        "INSERT INTO tenants (id, name, settings, created_at) VALUES ('default', 'Default', '{}', 0);
         INSERT INTO users (id, tenant_id, username, required_factors, created_at, updated_at)
         VALUES ('u1', 'default', 'alice', '[\"totp\"]', 1, 1);",
    )
    .unwrap();
    drop(conn);

    // Running 0001 again would fail on its existing tables.
    let store = twofold_store::open(&options(&path)).await.unwrap();
    let alice = store.user(TENANT, "u1").await.unwrap().unwrap();
    assert_eq!(alice.username, "alice");
    assert_eq!(alice.required_factors, vec![Factor::Totp]);

    // And it opens again, now by its own record too.
    drop(store);
    let store = twofold_store::open(&options(&path)).await.unwrap();
    assert!(store.user(TENANT, "u1").await.unwrap().is_some());
}

#[tokio::test]
async fn an_older_sqlx_database_gets_only_the_migrations_it_lacks() {
    // Made before the login throttle (0010): the password run still lives on the user.
    let (path, conn) = sqlx_database(9);
    conn.execute_batch(
        "INSERT INTO tenants (id, name, settings, created_at) VALUES ('default', 'Default', '{}', 0);
         INSERT INTO users (id, tenant_id, username, pw_failures, created_at, updated_at)
         VALUES ('u1', 'default', 'alice', 3, 1, 1);",
    )
    .unwrap();
    drop(conn);

    let store = twofold_store::open(&options(&path)).await.unwrap();
    let alice = store.user(TENANT, "u1").await.unwrap().unwrap();
    assert_eq!(alice.password.failures, 3, "0010 carried the run over");
    // The schema is whole: a store operation of 0010's table works.
    let throttle = store
        .record_password_failure(TENANT, "u1", Some("10.0.0.1"), UnixTime(5))
        .await
        .unwrap();
    assert_eq!(throttle.account.failures, 4);
    assert!(
        !store
            .ensure_tenant(TENANT, "Default", &LoginSettings::default(), UnixTime(0))
            .await
            .unwrap()
    );
}
