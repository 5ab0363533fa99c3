//! The one writer: a thread that owns the only writing connection and group-commits. It takes
//! every write waiting on its queue, runs them in one transaction — each in a savepoint of its own
//! when there are several, so one that fails undoes only itself — commits once, and only then
//! answers them all. Many concurrent writes cost one commit (one WAL sync) instead of one each,
//! and since no other connection writes, a closure sees a state nobody changes under it: a
//! read-then-write condition belongs inside one write closure.
//!
//! A closure that finds, part way through, that its writes must not stand (a compare-and-set it
//! lost) answers `Kept::Undo` with its answer: its writes are undone like a failed closure's, but
//! the caller gets the answer, not an error.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, channel};

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::StoreError;

/// The most writes one transaction takes, so a flood still commits (and answers) in steps.
const MAX_BATCH: usize = 256;

/// What a write closure answers, and whether its writes stand.
#[derive(Debug)]
pub(super) enum Kept<T> {
    /// Its writes commit with the batch.
    Commit(T),
    /// Its writes are undone; the answer is still given once the batch has committed.
    Undo(T),
}

/// A write waiting for the writer: run inside the transaction, answered after it ends.
trait Pending: Send {
    /// Runs the closure; false when its changes are to be undone (it failed, or said so).
    fn run(&mut self, conn: &Connection) -> bool;
    /// Answers the caller: its own result when the transaction committed, or why it did not.
    fn answer(self: Box<Self>, batch: Result<(), &StoreError>);
}

struct Write<T, F> {
    f: Option<F>,
    result: Option<Result<T, StoreError>>,
    answer: oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> Pending for Write<T, F>
where
    T: Send,
    F: FnOnce(&Connection) -> Result<Kept<T>, StoreError> + Send,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let Some(f) = self.f.take() else {
            return false;
        };
        let result = catch_unwind(AssertUnwindSafe(|| f(conn)))
            .unwrap_or_else(|_| Err(StoreError::Database("a write panicked".to_owned())));
        let (result, keep) = match result {
            Ok(Kept::Commit(value)) => (Ok(value), true),
            Ok(Kept::Undo(value)) => (Ok(value), false),
            Err(e) => (Err(e), false),
        };
        self.result = Some(result);
        keep
    }

    fn answer(self: Box<Self>, batch: Result<(), &StoreError>) {
        let result = match (self.result, batch) {
            // A closure that failed was undone on its own; its error is the answer either way.
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(value)), Ok(())) => Ok(value),
            (Some(Ok(_)) | None, Err(e)) => Err(StoreError::Unavailable(format!(
                "the write was not committed: {e}"
            ))),
            (None, Ok(())) => Err(StoreError::Database("the write did not run".to_owned())),
        };
        // The caller may have gone (its request was cancelled): nobody to answer.
        let _ = self.answer.send(result);
    }
}

pub(super) struct Writer {
    queue: Sender<Box<dyn Pending>>,
}

impl Writer {
    /// Starts the writer's thread; it ends when the last `Writer` handle is dropped.
    pub fn start(conn: Connection) -> Result<Writer, StoreError> {
        let (queue, jobs) = channel::<Box<dyn Pending>>();
        std::thread::Builder::new()
            .name("sqlite-writer".to_owned())
            .spawn(move || serve(&conn, &jobs))
            .map_err(|e| StoreError::Unavailable(format!("cannot start the writer: {e}")))?;
        Ok(Writer { queue })
    }

    pub async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.run_or_undo(move |conn| f(conn).map(Kept::Commit))
            .await
    }

    /// Like `run`, for a closure that may undo its own writes and still answer.
    pub async fn run_or_undo<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<Kept<T>, StoreError> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let job = Box::new(Write {
            f: Some(f),
            result: None,
            answer,
        });
        self.queue.send(job).map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Unavailable("the SQLite writer has stopped".to_owned())
}

fn serve(conn: &Connection, jobs: &Receiver<Box<dyn Pending>>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let outcome = commit(conn, &mut batch);
        if let Err(e) = &outcome {
            tracing::warn!(error = %e, writes = batch.len(), "SQLite batch not committed");
        }
        for job in batch {
            job.answer(outcome.as_ref().map(|_| ()));
        }
    }
}

/// Runs the batch in one transaction. A lone write needs no savepoint: when it fails (or undoes
/// itself), the whole transaction is rolled back instead.
fn commit(conn: &Connection, batch: &mut [Box<dyn Pending>]) -> Result<(), StoreError> {
    statement(conn, "BEGIN IMMEDIATE")?;
    let ran = if let [only] = batch {
        if only.run(conn) {
            Ok(())
        } else {
            return rollback(conn);
        }
    } else {
        batch
            .iter_mut()
            .try_for_each(|job| run_in_savepoint(conn, job))
    };
    match ran.and_then(|()| statement(conn, "COMMIT")) {
        Ok(()) => Ok(()),
        Err(e) => {
            // Whatever the batch wrote is gone; a failed rollback means there was nothing left
            // to roll back (SQLite ends the transaction itself on some errors).
            let _ = rollback(conn);
            Err(e)
        }
    }
}

fn run_in_savepoint(conn: &Connection, job: &mut Box<dyn Pending>) -> Result<(), StoreError> {
    statement(conn, "SAVEPOINT write")?;
    if !job.run(conn) {
        statement(conn, "ROLLBACK TO write")?;
    }
    statement(conn, "RELEASE write")?;
    if conn.is_autocommit() {
        // An error inside the closure ended the whole transaction: the earlier writes are lost.
        return Err(StoreError::Unavailable(
            "SQLite ended the transaction".to_owned(),
        ));
    }
    Ok(())
}

fn rollback(conn: &Connection) -> Result<(), StoreError> {
    if !conn.is_autocommit() {
        statement(conn, "ROLLBACK")?;
    }
    Ok(())
}

fn statement(conn: &Connection, sql: &str) -> Result<(), StoreError> {
    conn.prepare_cached(sql)?.execute([])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// A writer on a fresh file named for the test.
    fn writer(test: &str) -> Writer {
        let path =
            std::env::temp_dir().join(format!("twofold_writer_{test}_{}.db", std::process::id()));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        let conn = Connection::open(path).unwrap();
        conn.execute_batch("CREATE TABLE t (v TEXT PRIMARY KEY)")
            .unwrap();
        Writer::start(conn).unwrap()
    }

    /// What the test table holds, in order.
    async fn values(writer: &Writer) -> Vec<String> {
        writer
            .run(|conn| {
                let mut s = conn.prepare("SELECT v FROM t ORDER BY v")?;
                let rows = s.query_map([], |r| r.get::<_, String>(0))?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .await
            .unwrap()
    }

    fn insert(conn: &Connection, v: &str) -> Result<(), StoreError> {
        conn.execute("INSERT INTO t (v) VALUES (?1)", [v])?;
        Ok(())
    }

    #[tokio::test]
    async fn a_failing_write_in_a_batch_undoes_only_itself() {
        let writer = writer("batch");
        // Hold the writer in a first write until the others are queued: they then share a batch.
        let (release, held) = std::sync::mpsc::channel::<()>();
        let first = writer.run(move |_| {
            held.recv().ok();
            Ok(())
        });
        let a = writer.run(|conn| insert(conn, "a"));
        let b = writer.run(|conn| {
            insert(conn, "b")?;
            Err::<(), _>(StoreError::Conflict("changed its mind".to_owned()))
        });
        let dup = writer.run(|conn| insert(conn, "a"));
        let c = writer.run(|conn| insert(conn, "c"));
        let all = async { tokio::join!(first, a, b, dup, c) };
        let (all, ()) = tokio::join!(all, async {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            release.send(()).unwrap();
        });
        let (first, a, b, dup, c) = all;
        assert!(first.is_ok() && a.is_ok() && c.is_ok());
        assert!(matches!(b, Err(StoreError::Conflict(_))));
        assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
        assert_eq!(values(&writer).await, vec!["a".to_owned(), "c".to_owned()]);
    }

    #[tokio::test]
    async fn a_write_that_undoes_itself_answers_and_leaves_nothing_behind() {
        let writer = writer("undo");
        let (release, held) = std::sync::mpsc::channel::<()>();
        let first = writer.run(move |_| {
            held.recv().ok();
            Ok(())
        });
        let a = writer.run(|conn| insert(conn, "a"));
        let undone = writer.run_or_undo(|conn| {
            insert(conn, "b")?;
            Ok(Kept::Undo("lost"))
        });
        let c = writer.run(|conn| insert(conn, "c"));
        let all = async { tokio::join!(first, a, undone, c) };
        let (all, ()) = tokio::join!(all, async {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            release.send(()).unwrap();
        });
        let (first, a, undone, c) = all;
        assert!(first.is_ok() && a.is_ok() && c.is_ok());
        assert_eq!(undone.unwrap(), "lost");
        let lone = writer
            .run_or_undo(|conn| {
                insert(conn, "d")?;
                Ok(Kept::Undo(7))
            })
            .await;
        assert_eq!(lone.unwrap(), 7);
        assert_eq!(values(&writer).await, vec!["a".to_owned(), "c".to_owned()]);
    }

    #[tokio::test]
    async fn a_lone_failing_write_leaves_nothing_behind() {
        let writer = writer("lone");
        let failed = writer
            .run(|conn| {
                insert(conn, "x")?;
                Err::<(), _>(StoreError::Database("no".to_owned()))
            })
            .await;
        assert!(failed.is_err());
        let n: i64 = writer
            .run(|conn| Ok(conn.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(n, 0);
    }
}
