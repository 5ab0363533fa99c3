//! (d): email-code sign-ins — in a password-signed-in session, ask for an email code and check
//! it. Codes are returned to the bench (admin token) rather than mailed, so this measures the
//! server, not an SMTP relay. The bench changes the tenant's login settings for the run (email
//! codes on, no resend cooldown) and puts them back afterwards: run it on a throwaway server.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::client::{Client, text};
use super::report::Report;
use super::scenarios::{Tally, finish, sign_in_with_password};
use super::seed::BenchUser;

pub async fn email_sign_ins(
    client: &Client,
    users: Vec<BenchUser>,
    concurrency: usize,
    limit: Duration,
) -> anyhow::Result<Report> {
    let saved = client.admin_get("/v1/settings/login").await?;
    let mut settings = saved.clone();
    settings["second_factors"] = json!(["totp", "backup-code", "otp-email"]);
    settings["otp"]["resend_cooldown_seconds"] = json!(0);
    client.admin_put("/v1/settings/login", settings).await?;
    let result = run(client, users, concurrency, limit).await;
    client.admin_put("/v1/settings/login", saved).await?;
    result
}

async fn run(
    client: &Client,
    users: Vec<BenchUser>,
    concurrency: usize,
    limit: Duration,
) -> anyhow::Result<Report> {
    let mut sessions = Vec::new();
    for user in &users {
        let id = &user.id;
        client
            .admin_post(
                &format!("/v1/users/{id}/email"),
                json!({"email": format!("{}@bench.example", user.username), "verified": true}),
            )
            .await?;
        client
            .admin_post(&format!("/v1/users/{id}/otp-email"), json!({}))
            .await?;
        sessions.push(sign_in_with_password(client, user).await?);
    }
    let queue = Arc::new(Mutex::new(sessions));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (queue, tally, client) = (queue.clone(), tally.clone(), client.clone());
        workers.push(tokio::spawn(async move {
            let Some((id, mut token)) = queue.lock().await.pop() else {
                return;
            };
            while started.elapsed() < limit {
                let begun = Instant::now();
                match round(&client, &id, &token).await {
                    Ok(next) => {
                        token = next;
                        tally.lock().await.latencies.push(begun.elapsed());
                    }
                    Err(_) => {
                        tally.lock().await.failed += 1;
                        return;
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

/// One challenge and one check; the rotated token for the next round.
async fn round(client: &Client, id: &str, token: &str) -> anyhow::Result<String> {
    let asked = client
        .patch_session_as_admin(
            id,
            json!({"session_token": token, "challenges": {"otp_email": {"return_code": true}}}),
        )
        .await?;
    let code = asked["challenges"]["otp_email"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let token = text(&asked, "session_token")?;
    let checked: Value = client
        .patch_session(id, &token, json!({"otp_email": {"code": code}}))
        .await?;
    text(&checked, "session_token")
}
