//! Argon2id on a fixed set of worker threads (one per CPU by default), each computing every hash
//! in the same 19 MiB it allocated once, fed through a bounded queue. A flood of sign-ins costs a
//! constant amount of memory: the workers' buffers and the queue. Hashing on whichever blocking
//! thread was free had cost 19 MiB per thread that ever hashed, kept by the allocator for good.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use twofold_core::password::{self, Memory};
use twofold_core::secrets::SecretString;

use crate::clock;
use crate::error::Error;
use crate::random::{self, Random};

/// How long a request waits for a worker before it is told the server is busy.
const QUEUE_TIMEOUT: Duration = Duration::from_secs(10);
/// Jobs waiting at most; a job holds a password and a reply channel, a few hundred bytes.
const QUEUE_LEN: usize = 1024;

pub struct PasswordHasher {
    queue: mpsc::Sender<Job>,
    /// Verified when a user is unknown or has no password, so both cost the same as a real one.
    dummy_hash: String,
}

struct Job {
    work: Work,
    queued_at: Instant,
    reply: oneshot::Sender<Result<Done, Error>>,
}

enum Work {
    Hash {
        password: SecretString,
        salt: [u8; password::SALT_LEN],
    },
    Verify {
        password: SecretString,
        stored: String,
    },
}

enum Done {
    Hashed(String),
    Verified(bool),
}

impl PasswordHasher {
    /// Starts `workers` hashing threads (0: one per CPU). They stop when the hasher is dropped.
    pub fn new(workers: usize, random: &dyn Random) -> Result<PasswordHasher, Error> {
        let workers = match workers {
            0 => std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            n => n,
        };
        let (queue, jobs) = mpsc::channel(QUEUE_LEN);
        let jobs = Arc::new(Mutex::new(jobs));
        for n in 0..workers {
            let jobs = jobs.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || work(&jobs))
                .map_err(|e| Error::Internal(format!("cannot start a hashing thread: {e}")))?;
        }
        let dummy_hash = password::unmatchable(
            &random::bytes(random)?,
            &random::bytes(random)?,
            password::owasp_params(),
        )?;
        Ok(PasswordHasher { queue, dummy_hash })
    }

    pub async fn hash(
        &self,
        password: &SecretString,
        random: &dyn Random,
    ) -> Result<String, Error> {
        let salt = random::bytes::<{ password::SALT_LEN }>(random)?;
        let work = Work::Hash {
            password: password.clone(),
            salt,
        };
        match self.run(work).await? {
            Done::Hashed(hash) => Ok(hash),
            Done::Verified(_) => Err(Error::Internal("hasher answered a verify".to_owned())),
        }
    }

    /// Constant work whether or not there is a stored hash.
    pub async fn verify(
        &self,
        password: &SecretString,
        stored: Option<&str>,
    ) -> Result<bool, Error> {
        let (stored, real) = match stored {
            Some(hash) => (hash.to_owned(), true),
            None => (self.dummy_hash.clone(), false),
        };
        let work = Work::Verify {
            password: password.clone(),
            stored,
        };
        match self.run(work).await? {
            Done::Verified(matched) => Ok(real && matched),
            Done::Hashed(_) => Err(Error::Internal("hasher answered a hash".to_owned())),
        }
    }

    async fn run(&self, work: Work) -> Result<Done, Error> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            work,
            queued_at: clock::monotonic(),
            reply,
        };
        tokio::time::timeout(QUEUE_TIMEOUT, self.queue.send(job))
            .await
            .map_err(|_| busy())?
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// One worker: takes the next job, computes it in its own memory, answers.
fn work(jobs: &Mutex<mpsc::Receiver<Job>>) {
    let mut memory = Memory::default();
    loop {
        // Idle workers queue on the lock; the one holding it waits for the next job.
        let job = jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .blocking_recv();
        let Some(job) = job else {
            return;
        };
        if job.reply.is_closed() {
            // The request went away (the client hung up): nobody would read the answer.
            continue;
        }
        let done = if job.queued_at.elapsed() > QUEUE_TIMEOUT {
            Err(busy())
        } else {
            compute(job.work, &mut memory)
        };
        let _ = job.reply.send(done);
    }
}

fn compute(work: Work, memory: &mut Memory) -> Result<Done, Error> {
    match work {
        Work::Hash { password, salt } => {
            password::hash_in(password.expose(), &salt, password::owasp_params(), memory)
                .map(Done::Hashed)
                .map_err(Error::from)
        }
        Work::Verify { password, stored } => Ok(Done::Verified(password::verify_in(
            password.expose(),
            &stored,
            memory,
        ))),
    }
}

fn busy() -> Error {
    Error::Unavailable("password hashing queue is full".to_owned())
}

fn stopped() -> Error {
    Error::Unavailable("password hashing stopped".to_owned())
}
