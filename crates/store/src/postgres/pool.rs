//! The connection pool, opened whole at start and never grown inside a request.
//!
//! sqlx grows a pool lazily: a request that finds no idle connection while the pool is below its
//! size opens a new one, and when the database refuses it (`53300`: its own or the role's
//! connection limit, reached by other clients of a shared server) sqlx retries that connect until
//! the acquire timeout and the request fails as unavailable — although the connections the pool
//! already holds come back within milliseconds. A burst of sign-ins on a busy database answered
//! `503` that way. So the pool takes its connections at start, as many as the database grants up
//! to the configured size, and keeps exactly those (no lifetime, no idle timeout below its size).

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection};

use crate::StoreError;

/// PostgreSQL's `too_many_connections`: the server's, the database's or the role's limit.
const TOO_MANY_CONNECTIONS: &str = "53300";
/// Between tries for a first connection while the database is full.
const FIRST_CONNECTION_RETRY: Duration = Duration::from_millis(50);

/// A pool of as many connections as the database grants now, at most `wanted` (at least one,
/// waited for up to `acquire_timeout`), each kept for the pool's life.
pub(super) async fn open(
    connect: PgConnectOptions,
    wanted: u32,
    acquire_timeout: Duration,
) -> Result<PgPool, StoreError> {
    let granted = grantable(&connect, wanted.max(1), acquire_timeout).await?;
    if granted < wanted {
        tracing::warn!(
            wanted,
            granted,
            "the database refused further connections: the pool holds fewer than configured"
        );
    }
    let pool = PgPoolOptions::new()
        .max_connections(granted)
        .min_connections(granted)
        .max_lifetime(None)
        .idle_timeout(None)
        .acquire_timeout(acquire_timeout)
        .test_before_acquire(false)
        .connect_with(connect)
        .await?;
    Ok(pool)
}

/// How many connections the database gives now, up to `wanted`: opened one after another until
/// one is refused for the limit, then closed for the pool to open again.
async fn grantable(
    connect: &PgConnectOptions,
    wanted: u32,
    acquire_timeout: Duration,
) -> Result<u32, StoreError> {
    let first = tokio::time::timeout(acquire_timeout, first_connection(connect))
        .await
        .map_err(|_| {
            StoreError::Unavailable("the database refused every connection".to_owned())
        })??;
    let mut held = vec![first];
    while held.len() < usize::try_from(wanted).unwrap_or(usize::MAX) {
        match connect.connect().await {
            Ok(connection) => held.push(connection),
            Err(e) if is_full(&e) => break,
            Err(e) => return Err(e.into()),
        }
    }
    let granted = u32::try_from(held.len()).unwrap_or(wanted);
    for connection in held {
        let _ = connection.close().await;
    }
    Ok(granted)
}

/// The first connection, retried while the database is full (as sqlx retries it).
async fn first_connection(connect: &PgConnectOptions) -> Result<PgConnection, StoreError> {
    loop {
        match connect.connect().await {
            Ok(connection) => return Ok(connection),
            Err(e) if is_full(&e) => tokio::time::sleep(FIRST_CONNECTION_RETRY).await,
            Err(e) => return Err(e.into()),
        }
    }
}

fn is_full(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.code().as_deref() == Some(TOO_MANY_CONNECTIONS))
}
