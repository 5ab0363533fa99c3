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

pub const PASSWORD: &str = "lantern copper river meadow 1987";

#[derive(Clone)]
pub struct Authenticator {
    pub seed: Seed,
    /// The last step spent on this authenticator (at enrolment, then by checks).
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
