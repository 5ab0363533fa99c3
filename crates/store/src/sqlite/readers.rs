//! The reader connections, each on a thread of its own, taking use cases from one queue: a use
//! case's reads run as one closure there, so they cost one hand-off, not one per statement.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::StoreError;

type Job = Box<dyn FnOnce(&Connection) + Send>;

pub(super) struct Readers {
    queue: Sender<Job>,
}

impl Readers {
    /// One thread per connection; they end when the last `Readers` handle is dropped.
    pub fn start(connections: Vec<Connection>) -> Result<Readers, StoreError> {
        let (queue, jobs) = channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        for (n, conn) in connections.into_iter().enumerate() {
            let jobs = Arc::clone(&jobs);
            std::thread::Builder::new()
                .name(format!("sqlite-reader-{n}"))
                .spawn(move || serve(&conn, &jobs))
                .map_err(|e| StoreError::Unavailable(format!("cannot start a reader: {e}")))?;
        }
        Ok(Readers { queue })
    }

    pub async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let result = catch_unwind(AssertUnwindSafe(|| f(conn)))
                .unwrap_or_else(|_| Err(StoreError::Database("a read panicked".to_owned())));
            // The caller may have gone (its request was cancelled): nobody to answer.
            let _ = answer.send(result);
        });
        self.queue.send(job).map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Unavailable("the SQLite readers have stopped".to_owned())
}

/// Takes the next job whichever reader is free: the one waiting on the queue holds the lock, the
/// others wait for it, so a job never queues behind a busy reader while another is idle.
fn serve(conn: &Connection, jobs: &Mutex<Receiver<Job>>) {
    loop {
        let next = {
            let jobs = jobs.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            jobs.recv()
        };
        match next {
            Ok(job) => job(conn),
            Err(_) => return,
        }
    }
}
