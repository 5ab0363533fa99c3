//! A database that refuses further connections (its own, the database's or the role's limit,
//! reached by other clients of a shared server) must not fail a burst the pool can serve with
//! the connections it already holds. sqlx grew pools lazily and, refused, retried the connect
//! until the acquire timeout: the request failed as unavailable while the pool's own connections
//! came back within milliseconds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;

use sqlx::Executor;
use support::{TENANT, unique};
use twofold_store::StoreOptions;

/// The test database's URL with `role` as its user (trust authentication, as the suite uses).
fn as_role(url: &str, role: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let host = rest.split_once('@').map_or(rest, |(_, host)| host);
    format!("{scheme}://{role}@{host}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_is_served_by_the_connections_the_database_granted() {
    let Ok(url) = std::env::var("TWOFOLD_TEST_DATABASE_URL") else {
        eprintln!("skipped: TWOFOLD_TEST_DATABASE_URL not set; PostgreSQL is not tested here");
        return;
    };
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    let role = unique("full");
    let schema = unique("full");
    // The role may hold three connections; the pool is configured for eight.
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "CREATE ROLE {role} LOGIN CONNECTION LIMIT 3"
        )))
        .await
        .unwrap();
    let database: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&admin)
        .await
        .unwrap();
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "GRANT CONNECT, CREATE ON DATABASE \"{database}\" TO {role}"
        )))
        .await
        .unwrap();

    let options = StoreOptions {
        url: as_role(&url, &role),
        max_connections: 8,
        schema: Some(schema.clone()),
    };
    let store = twofold_store::open(&options).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..64 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            store
                .user_by_login_name(TENANT, &format!("nobody{i}"))
                .await
                .map(|_| ())
        }));
    }
    let mut failures = Vec::new();
    for task in tasks {
        if let Err(error) = task.await.unwrap() {
            failures.push(error.to_string());
        }
    }
    drop(store);
    for cleanup in [
        format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
        format!("DROP OWNED BY {role}"),
        format!("DROP ROLE IF EXISTS {role}"),
    ] {
        let _ = admin.execute(sqlx::AssertSqlSafe(cleanup)).await;
    }
    assert!(
        failures.is_empty(),
        "{} of 64 reads failed: {:?}",
        failures.len(),
        failures.first()
    );
}
