//! Bench users: each with a password and several TOTP authenticators, proven at enrolment.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use serde_json::json;
use tokio::sync::Semaphore;
use twofold_core::UnixTime;
use twofold_core::otp::{TotpParams, totp};
use twofold_core::secrets::Seed;

use super::client::{Client, text};
use super::derive;

pub const PASSWORD: &str = "lantern copper river meadow 1987";

#[derive(Clone)]
pub struct Authenticator {
    pub seed: Seed,
    /// The last step spent on this authenticator (at enrolment, then by checks); 0 when none
    /// inside the current window is known to be spent (users from `seed-bench`).
    pub last_step: u64,
}

#[derive(Clone)]
pub struct BenchUser {
    pub id: String,
    pub username: String,
    pub authenticators: Vec<Authenticator>,
}

pub struct Pool(pub Vec<BenchUser>);

impl Pool {
    /// The users `twofold seed-bench` wrote with this prefix and secret, computed, not fetched:
    /// their ids are unknown to the bench (scenarios that need them use HTTP-seeded users).
    pub fn seeded(prefix: &str, secret: &str, users: usize, authenticators: usize) -> Pool {
        Pool(
            (0..users)
                .map(|index| BenchUser {
                    id: String::new(),
                    username: derive::username(prefix, index),
                    authenticators: (0..authenticators)
                        .map(|k| Authenticator {
                            seed: derive::seed(secret, prefix, index, k),
                            last_step: 0,
                        })
                        .collect(),
                })
                .collect(),
        )
    }

    /// The first users for (a), the last `for_sign_ins` for (b): (a) signs its users in before
    /// the clock starts, so users that (b) alone needs would only add sign-ins.
    pub fn split_users(mut self, for_sign_ins: usize) -> (Vec<BenchUser>, Vec<BenchUser>) {
        let at = self.0.len().saturating_sub(for_sign_ins);
        let rest = self.0.split_off(at);
        (self.0, rest)
    }

    /// Two pools over the same users: the first `at` authenticators of each, and the rest.
    pub fn split(self, at: usize) -> (Vec<BenchUser>, Vec<BenchUser>) {
        self.0
            .into_iter()
            .map(|user| {
                let mut first = user.clone();
                let rest = first
                    .authenticators
                    .split_off(at.min(first.authenticators.len()));
                (
                    first,
                    BenchUser {
                        authenticators: rest,
                        ..user
                    },
                )
            })
            .unzip()
    }
}

pub fn now() -> UnixTime {
    UnixTime(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0),
    )
}

/// Seconds before a step leaves the skew window that the bench stops spending it: a request
/// that reaches the server after that would be refused and counted as a wrong code.
const MARGIN_SECONDS: i64 = 3;

/// The next step of `authenticator` the server will still accept when the request arrives (one
/// step of skew either way, and only after the last one spent), if any.
pub fn next_step(authenticator: &Authenticator) -> Option<u64> {
    let params = TotpParams::default();
    let now = now();
    let current = params.step_at(now);
    let oldest = params
        .step_at(UnixTime(now.0 + MARGIN_SECONDS))
        .saturating_sub(1);
    let first = (authenticator.last_step + 1).max(oldest);
    (first <= current + 1).then_some(first)
}

pub fn code(seed: &Seed, step: u64) -> String {
    totp::code_at_step(seed, &TotpParams::default(), step)
}

pub async fn seed(
    client: &Client,
    users: usize,
    authenticators: usize,
    concurrency: usize,
) -> anyhow::Result<Pool> {
    let run = now().0;
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = Vec::new();
    for i in 0..users {
        let client = client.clone();
        let permits = permits.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire_owned().await?;
            seed_one(&client, &format!("bench-{run}-{i}"), authenticators).await
        }));
    }
    let mut seeded = Vec::new();
    for task in tasks {
        seeded.push(task.await??);
    }
    Ok(Pool(seeded))
}

async fn seed_one(client: &Client, username: &str, count: usize) -> anyhow::Result<BenchUser> {
    let user = client
        .admin_post(
            "/v1/users",
            json!({"username": username, "password": PASSWORD, "mfa_enabled": true}),
        )
        .await?;
    let id = text(&user, "id")?;
    let mut authenticators = Vec::new();
    for k in 0..count {
        let started = client
            .admin_post(
                &format!("/v1/users/{id}/totp"),
                json!({"name": format!("bench {k}")}),
            )
            .await?;
        let secret = text(&started, "secret")?;
        let bytes = data_encoding::BASE32_NOPAD
            .decode(secret.as_bytes())
            .context("secret is not base32")?;
        let seed = Seed::new(bytes);
        // Prove with the current step's code: the next ones are left to spend, and a step
        // boundary passing on the way to the server still leaves it inside the skew window.
        let step = TotpParams::default().step_at(now());
        let verify = json!({"authenticator_id": text(&started, "authenticator_id")?, "code": code(&seed, step)});
        client
            .admin_post(&format!("/v1/users/{id}/totp/verify"), verify)
            .await?;
        authenticators.push(Authenticator {
            seed,
            last_step: step,
        });
    }
    Ok(BenchUser {
        id,
        username: username.to_owned(),
        authenticators,
    })
}
