//! Statements that take more than one row lock take them in one fixed order (the account row,
//! source `''`, before any source's), so they cannot wait on each other in a cycle. A cycle the
//! order cannot rule out (with rows written elsewhere in a longer transaction) is still answered
//! by PostgreSQL aborting one statement — a deadlock (40P01) or, under a stricter isolation, a
//! serialization failure (40001) — and such a statement undid itself, so it is tried again, a
//! bounded number of times.

use std::future::Future;

/// How often a statement is tried in all.
const TRIES: usize = 3;

/// Whether PostgreSQL aborted the statement only for the race it lost.
pub(super) fn lost_race(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .and_then(|db| db.code())
        .is_some_and(|code| code == "40P01" || code == "40001")
}

/// Runs `statement` until it succeeds, fails otherwise than by `retry`, or was tried
/// [`TRIES`] times.
pub(super) async fn retrying<T, F, Fut>(
    retry: impl Fn(&sqlx::Error) -> bool,
    mut statement: F,
) -> Result<T, sqlx::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, sqlx::Error>>,
{
    let mut tries = 0;
    loop {
        tries += 1;
        match statement().await {
            Err(err) if tries < TRIES && (lost_race(&err) || retry(&err)) => continue,
            done => return done,
        }
    }
}
