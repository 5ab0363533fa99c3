//! The three measured scenarios.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::Mutex;
use twofold_core::otp::TotpParams;
use twofold_core::password;

use super::client::{Client, text};
use super::report::Report;
use super::seed::{BenchUser, PASSWORD, code, now};

/// Whether `step` can still be spent now (one step of skew either way).
fn spendable(step: u64) -> bool {
    let current = TotpParams::default().step_at(now());
    step + 1 >= current && step <= current + 1
}

#[derive(Default)]
pub(super) struct Tally {
    pub(super) latencies: Vec<Duration>,
    pub(super) failed: usize,
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

/// (a): one password sign-in per user outside the clock, then TOTP checks as fast as they go.
pub async fn totp_checks(
    client: &Client,
    users: Vec<BenchUser>,
    concurrency: usize,
    limit: Duration,
) -> anyhow::Result<Report> {
    let mut signing_in = Vec::new();
    for user in &users {
        let (client, user) = (client.clone(), user.clone());
        signing_in.push(tokio::spawn(async move {
            sign_in_with_password(&client, &user).await
        }));
    }
    let mut sessions = Vec::new();
    for task in signing_in {
        sessions.push(task.await??);
    }
    let queue = Arc::new(Mutex::new(
        users.into_iter().zip(sessions).collect::<Vec<_>>(),
    ));
    let tally = Arc::new(Mutex::new(Tally {
        latencies: Vec::new(),
        failed: 0,
    }));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (queue, tally, client) = (queue.clone(), tally.clone(), client.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let Some((user, (id, mut token))) = queue.lock().await.pop() else {
                    break;
                };
                // One user's session is driven by one worker: each PATCH rotates its token.
                for authenticator in &user.authenticators {
                    for step in [authenticator.last_step + 1, authenticator.last_step + 2] {
                        if started.elapsed() >= limit || !spendable(step) {
                            continue;
                        }
                        let begun = Instant::now();
                        let checks = json!({"totp": {"code": code(&authenticator.seed, step)}});
                        let result = client.patch_session(&id, &token, checks).await;
                        let mut tally = tally.lock().await;
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
        }));
    }
    for worker in workers {
        worker.await?;
    }
    Ok(finish(tally, started).await)
}

/// (b): password then TOTP, a fresh session each time.
pub async fn full_sign_ins(
    client: &Client,
    users: Vec<BenchUser>,
    concurrency: usize,
    limit: Duration,
) -> anyhow::Result<Report> {
    let items: Vec<_> = users
        .into_iter()
        .flat_map(|user| {
            let authenticators = user.authenticators.clone();
            authenticators.into_iter().map(move |a| (user.clone(), a))
        })
        .collect();
    let queue = Arc::new(Mutex::new(items));
    let tally = Arc::new(Mutex::new(Tally {
        latencies: Vec::new(),
        failed: 0,
    }));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (queue, tally, client) = (queue.clone(), tally.clone(), client.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let Some((user, authenticator)) = queue.lock().await.pop() else {
                    break;
                };
                for step in [authenticator.last_step + 1, authenticator.last_step + 2] {
                    if started.elapsed() >= limit || !spendable(step) {
                        continue;
                    }
                    let begun = Instant::now();
                    let result = async {
                        let (id, token) = sign_in_with_password(&client, &user).await?;
                        let checks = json!({"totp": {"code": code(&authenticator.seed, step)}});
                        client.patch_session(&id, &token, checks).await
                    }
                    .await;
                    let mut tally = tally.lock().await;
                    match result {
                        Ok(_) => tally.latencies.push(begun.elapsed()),
                        Err(_) => tally.failed += 1,
                    }
                }
            }
        }));
    }
    for worker in workers {
        worker.await?;
    }
    Ok(finish(tally, started).await)
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

/// (c): Argon2id at OWASP parameters on as many threads as the server hashes with (one per CPU).
pub fn raw_hashes(limit: Duration) -> Report {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            std::thread::spawn(move || {
                let mut latencies = Vec::new();
                let mut salt = [t as u8; password::SALT_LEN];
                while started.elapsed() < limit {
                    let begun = Instant::now();
                    salt[1] = salt[1].wrapping_add(1);
                    let _ = password::hash(PASSWORD, &salt, password::owasp_params());
                    latencies.push(begun.elapsed());
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
