//! The scenarios around the TOTP check: (a) checks, (b) sign-ins, (c) the raw hash.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::{Mutex, Semaphore};
use twofold_core::otp::TotpParams;
use twofold_core::password;

use super::client::{Client, text};
use super::report::Report;
use super::seed::{BenchUser, PASSWORD, code, next_step, now};

#[derive(Default)]
pub(super) struct Tally {
    pub(super) latencies: Vec<Duration>,
    pub(super) failed: usize,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        self.failed += other.failed;
    }

    fn report(self, elapsed: Duration) -> Report {
        Report {
            done: self.latencies.len(),
            failed: self.failed,
            elapsed,
            latencies: self.latencies,
        }
    }
}

pub(super) async fn sign_in_with_password(
    client: &Client,
    user: &BenchUser,
) -> anyhow::Result<(String, String)> {
    let checks = json!({"user": {"login_name": user.username}, "password": {"password": PASSWORD}});
    let session = client.create_session(checks).await?;
    Ok((
        text(&session, "session_id")?,
        text(&session, "session_token")?,
    ))
}

/// A password-signed-in session (id, token) for (a).
pub type Signed = (BenchUser, (String, String));

/// (a)'s preparation, outside the clock: one password sign-in per user, `concurrency` at once
/// (more would only queue for the server's hashing workers and could time out there).
pub async fn sign_in_all(
    client: &Client,
    users: Vec<BenchUser>,
    concurrency: usize,
) -> anyhow::Result<Vec<Signed>> {
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut signing_in = Vec::new();
    for user in users {
        let (client, permits) = (client.clone(), permits.clone());
        signing_in.push(tokio::spawn(async move {
            let _permit = permits.acquire_owned().await?;
            let session = sign_in_with_password(&client, &user).await?;
            anyhow::Ok((user, session))
        }));
    }
    let mut sessions = Vec::new();
    for task in signing_in {
        sessions.push(task.await??);
    }
    Ok(sessions)
}

/// Codes (a) can spend right now in these sessions: each authenticator's unspent steps of the
/// current window. One more per authenticator becomes spendable every 30 s.
pub fn code_budget(sessions: &[Signed]) -> usize {
    let current = TotpParams::default().step_at(now());
    sessions
        .iter()
        .flat_map(|(user, _)| &user.authenticators)
        .map(|a| {
            let first = (a.last_step + 1).max(current.saturating_sub(1));
            (current + 2).saturating_sub(first) as usize
        })
        .sum()
}

/// (a): TOTP checks in the signed-in sessions, as fast as they go. One worker drives one
/// session at a time (each PATCH rotates its token), spending its authenticators' codes in the
/// order the server lists them. The run ends at `limit`, or earlier when every code is spent.
pub async fn totp_checks(
    client: &Client,
    sessions: Vec<Signed>,
    concurrency: usize,
    limit: Duration,
) -> anyhow::Result<Report> {
    let queue = Arc::new(Mutex::new(sessions));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (queue, client) = (queue.clone(), client.clone());
        workers.push(tokio::spawn(async move {
            // Each worker keeps its own tally: one shared lock per request would be the load
            // generator's own bottleneck at the rates (a) aims for.
            let mut tally = Tally::default();
            'sessions: loop {
                let Some((mut user, (id, mut token))) = queue.lock().await.pop() else {
                    break;
                };
                for authenticator in &mut user.authenticators {
                    while let Some(step) = next_step(authenticator) {
                        if started.elapsed() >= limit {
                            break 'sessions;
                        }
                        authenticator.last_step = step;
                        let begun = Instant::now();
                        let checks = json!({"totp": {"code": code(&authenticator.seed, step)}});
                        let result = client.patch_session(&id, &token, checks).await;
                        match result.and_then(|body| text(&body, "session_token")) {
                            Ok(next) => {
                                token = next;
                                tally.latencies.push(begun.elapsed());
                            }
                            Err(_) => tally.failed += 1,
                        }
                    }
                }
            }
            tally
        }));
    }
    let mut tally = Tally::default();
    for worker in workers {
        tally.add(worker.await?);
    }
    Ok(tally.report(started.elapsed()))
}

/// (b): password then TOTP, a fresh session each time.
pub async fn full_sign_ins(
    client: &Client,
    users: Vec<BenchUser>,
    concurrency: usize,
    limit: Duration,
) -> anyhow::Result<Report> {
    // Authenticator-major, so the sign-ins in flight at once are of different users, as they
    // would be in real traffic.
    let most = users
        .iter()
        .map(|u| u.authenticators.len())
        .max()
        .unwrap_or(0);
    let items: Vec<_> = (0..most)
        .rev()
        .flat_map(|k| {
            users
                .iter()
                .filter_map(move |u| Some((u.clone(), u.authenticators.get(k)?.clone())))
        })
        .collect();
    let queue = Arc::new(Mutex::new(items));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (queue, client) = (queue.clone(), client.clone());
        workers.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            'items: loop {
                let Some((user, mut authenticator)) = queue.lock().await.pop() else {
                    break;
                };
                while next_step(&authenticator).is_some() {
                    if started.elapsed() >= limit {
                        break 'items;
                    }
                    let begun = Instant::now();
                    let result = async {
                        let (id, token) = sign_in_with_password(&client, &user).await?;
                        // The code is picked once the password has passed: the sign-in may have
                        // queued for a hashing worker long enough for a step to expire.
                        let Some(step) = next_step(&authenticator) else {
                            anyhow::bail!("no code left to spend after the password");
                        };
                        authenticator.last_step = step;
                        let checks = json!({"totp": {"code": code(&authenticator.seed, step)}});
                        client.patch_session(&id, &token, checks).await
                    }
                    .await;
                    match result {
                        Ok(_) => tally.latencies.push(begun.elapsed()),
                        Err(_) => tally.failed += 1,
                    }
                }
            }
            tally
        }));
    }
    let mut tally = Tally::default();
    for worker in workers {
        tally.add(worker.await?);
    }
    Ok(tally.report(started.elapsed()))
}

pub(super) async fn finish(tally: Arc<Mutex<Tally>>, started: Instant) -> Report {
    let elapsed = started.elapsed();
    let tally = tally.lock().await;
    Report {
        done: tally.latencies.len(),
        failed: tally.failed,
        elapsed,
        latencies: tally.latencies.clone(),
    }
}

/// (c): Argon2id as a sign-in computes it — verifying the bench password's hash at the server's
/// parameters, in memory each thread keeps, as the server's hashing workers do — on as many
/// threads as the server hashes with (one per CPU).
pub fn raw_hashes(limit: Duration) -> Report {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let salt = [7u8; password::SALT_LEN];
    let stored = password::hash(PASSWORD, &salt, password::owasp_params()).unwrap_or_default();
    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let stored = stored.clone();
            std::thread::spawn(move || {
                let mut memory = password::Memory::default();
                let mut latencies = Vec::new();
                while started.elapsed() < limit {
                    let begun = Instant::now();
                    if password::verify_in(PASSWORD, &stored, &mut memory) {
                        latencies.push(begun.elapsed());
                    }
                }
                latencies
            })
        })
        .collect();
    let latencies: Vec<Duration> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap_or_default())
        .collect();
    Report {
        done: latencies.len(),
        failed: 0,
        elapsed: started.elapsed(),
        latencies,
    }
}
