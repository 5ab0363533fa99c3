//! Argon2id off the async threads, with a cap on how many run at once: each hash holds 19 MiB,
//! so a flood of sign-ins queues instead of exhausting memory.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use twofold_core::password;
use twofold_core::secrets::SecretString;

use crate::error::Error;
use crate::random::{self, Random};

/// How long a request waits for a hashing slot before it is told the server is busy.
const QUEUE_TIMEOUT: Duration = Duration::from_secs(10);

pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// Verified when a user is unknown or has no password, so both cost the same as a real one.
    dummy_hash: String,
}

impl PasswordHasher {
    pub fn new(concurrency: usize, random: &dyn Random) -> Result<PasswordHasher, Error> {
        let concurrency = match concurrency {
            0 => std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            n => n,
        };
        let filler = data_encoding::BASE64.encode(&random::bytes::<24>(random)?);
        let dummy_hash =
            password::hash(&filler, &random::bytes(random)?, password::owasp_params())?;
        Ok(PasswordHasher {
            permits: Arc::new(Semaphore::new(concurrency)),
            dummy_hash,
        })
    }

    pub async fn hash(
        &self,
        password: &SecretString,
        random: &dyn Random,
    ) -> Result<String, Error> {
        let salt = random::bytes::<{ password::SALT_LEN }>(random)?;
        let password = password.clone();
        self.run(move || {
            password::hash(password.expose(), &salt, password::owasp_params()).map_err(Error::from)
        })
        .await?
    }

    /// Constant work whether or not there is a stored hash.
    pub async fn verify(
        &self,
        password: &SecretString,
        stored: Option<&str>,
    ) -> Result<bool, Error> {
        let password = password.clone();
        let (stored, real) = match stored {
            Some(hash) => (hash.to_owned(), true),
            None => (self.dummy_hash.clone(), false),
        };
        let matched = self
            .run(move || password::verify(password.expose(), &stored))
            .await?;
        Ok(real && matched)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Error> {
        let permit = tokio::time::timeout(QUEUE_TIMEOUT, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| Error::Unavailable("password hashing queue is full".to_owned()))?
            .map_err(|_| Error::Unavailable("password hashing stopped".to_owned()))?;
        let result = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|e| Error::Internal(format!("hashing task failed: {e}")))?;
        Ok(result)
    }
}
