//! (e): whole authorization-code flows as a relying party and a custom login UI drive them —
//! authorize, a password session bound to the request, continue, the code exchange — and (f) the
//! part after the password: continue plus the token request, where the precheck and the signing
//! happen.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::client::{Client, text};
use super::report::Report;
use super::scenarios::{Tally, finish};
use super::seed::PASSWORD;

const REDIRECT_URI: &str = "http://127.0.0.1:9/cb";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

struct Rp {
    http: reqwest::Client,
    base: String,
    client_id: String,
    secret: String,
}

impl Rp {
    async fn json(&self, request: reqwest::RequestBuilder) -> anyhow::Result<Value> {
        let response = request.send().await?;
        let status = response.status();
        let body: Value = response.json().await.context("not JSON")?;
        anyhow::ensure!(status.is_success(), "{status}: {body}");
        Ok(body)
    }

    /// One flow; returns how long the part after the password took.
    async fn flow(&self, username: &str) -> anyhow::Result<Duration> {
        let mut url = reqwest::Url::parse(&format!("{}/oauth/authorize", self.base))?;
        url.query_pairs_mut().extend_pairs([
            ("client_id", self.client_id.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("response_type", "code"),
            ("scope", "openid"),
            ("state", "s"),
            ("nonce", "n"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ]);
        let authorize = self.http.get(url).send().await?;
        let location = authorize
            .headers()
            .get("location")
            .context("no redirect")?
            .to_str()?;
        let login = reqwest::Url::parse(location)?;
        let request_id = login
            .query_pairs()
            .find(|(k, _)| k == "auth_request_id")
            .context("no auth_request_id")?
            .1
            .into_owned();
        let session = self
            .json(self.http.post(format!("{}/v1/sessions", self.base)).json(&json!({
                "auth_request_id": request_id,
                "checks": {"user": {"login_name": username}, "password": {"password": PASSWORD}},
            })))
            .await?;
        let after_password = Instant::now();
        let answered = self
            .json(
                self.http
                    .post(format!(
                        "{}/v1/auth-requests/{request_id}/continue",
                        self.base
                    ))
                    .json(&json!({
                        "session_id": text(&session, "session_id")?,
                        "session_token": text(&session, "session_token")?,
                    })),
            )
            .await?;
        let redirect = reqwest::Url::parse(&text(&answered, "redirect_uri")?)?;
        let code = redirect
            .query_pairs()
            .find(|(k, _)| k == "code")
            .context("no code")?
            .1
            .into_owned();
        let tokens = self
            .json(
                self.http
                    .post(format!("{}/oauth/token", self.base))
                    .basic_auth(&self.client_id, Some(&self.secret))
                    .form(&[
                        ("grant_type", "authorization_code"),
                        ("code", code.as_str()),
                        ("redirect_uri", REDIRECT_URI),
                        ("code_verifier", VERIFIER),
                    ]),
            )
            .await?;
        text(&tokens, "id_token")?;
        Ok(after_password.elapsed())
    }
}

/// Seeds an app and `users` password-only users, then runs flows for `limit`.
pub async fn code_flows(
    client: &Client,
    users: usize,
    concurrency: usize,
    limit: Duration,
) -> anyhow::Result<(Report, Report)> {
    let suffix = std::process::id();
    let app = client
        .admin_post(
            "/v1/apps",
            json!({"name": "bench", "redirect_uris": [REDIRECT_URI], "login_url": "https://bench.example.com/login"}),
        )
        .await?;
    let rp = Arc::new(Rp {
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(256)
            .build()?,
        base: client.base().to_owned(),
        client_id: text(&app, "client_id")?,
        secret: text(&app, "client_secret")?,
    });
    let mut names = Vec::new();
    for i in 0..users.max(1) {
        let name = format!("oidc-bench-{suffix}-{i}");
        client
            .admin_post("/v1/users", json!({"username": name, "password": PASSWORD}))
            .await?;
        names.push(name);
    }
    let names = Arc::new(names);
    let whole = Arc::new(Mutex::new(Tally::default()));
    let tail = Arc::new(Mutex::new(Tally::default()));
    let started = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..concurrency.max(1) {
        let (rp, names, whole, tail) = (rp.clone(), names.clone(), whole.clone(), tail.clone());
        workers.push(tokio::spawn(async move {
            let mut i = worker;
            while started.elapsed() < limit {
                let begun = Instant::now();
                let result = rp.flow(&names[i % names.len()]).await;
                i += concurrency;
                let (mut whole, mut tail) = (whole.lock().await, tail.lock().await);
                match result {
                    Ok(after_password) => {
                        whole.latencies.push(begun.elapsed());
                        tail.latencies.push(after_password);
                    }
                    Err(_) => whole.failed += 1,
                }
            }
        }));
    }
    for worker in workers {
        worker.await?;
    }
    Ok((finish(whole, started).await, finish(tail, started).await))
}
