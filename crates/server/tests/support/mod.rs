//! The test harness: the real server on 127.0.0.1 with a random port and a fresh database, once
//! on SQLite and once on PostgreSQL (when TWOFOLD_TEST_DATABASE_URL is set), spoken to over HTTP.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(
    clippy::disallowed_methods,
    reason = "the harness plays the authenticator app and the client, on the wall clock"
)]

pub mod altcha;
mod clock;
pub mod codes;
pub mod oidc;
pub mod outbox;
pub mod proxy;
mod resp;
mod subjects;
mod totp;
pub mod webauthn;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tokio::sync::oneshot;
use twofold_server::clock::Clock;
use twofold_server::{Config, app};

pub use clock::ShiftedClock;
pub use resp::Resp;
pub use subjects::{Session, TestUser};
pub use totp::{Generator, wait_out_step_end};

pub const PASSWORD: &str = "correct horse battery staple";
static COUNTER: AtomicU64 = AtomicU64::new(0);

pub fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{prefix}_{}_{nanos}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub struct TestApp {
    pub backend: &'static str,
    pub clock: Arc<ShiftedClock>,
    pub base: String,
    pub admin: String,
    pub http: reqwest::Client,
    pub data_dir: PathBuf,
    /// `http://addr` of the metrics listener, when the config asked for one.
    pub metrics_base: Option<String>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// The PostgreSQL database to test on, if configured; says on stderr when it is not, so a run
/// without it does not pass in silence (shown with `--nocapture`).
pub fn postgres_url() -> Option<String> {
    let url = std::env::var("TWOFOLD_TEST_DATABASE_URL").ok();
    if url.is_none() {
        eprintln!("skipped: TWOFOLD_TEST_DATABASE_URL not set; PostgreSQL is not tested here");
    }
    url
}

/// The databases to run on: SQLite (`None`) always, PostgreSQL when configured.
pub fn databases() -> Vec<Option<String>> {
    let mut urls = vec![None];
    urls.extend(postgres_url().map(Some));
    urls
}

/// A fresh server whose codes go out to `outbox`, its own real SMTP server and SMS gateway.
pub async fn app_with_outbox(database: Option<String>, outbox: &outbox::Outbox) -> TestApp {
    let backend = if database.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    let mut config = config(database);
    config.delivery.smtp_url = Some(format!("smtp://127.0.0.1:{}", outbox.smtp_port));
    config.delivery.email_from = Some("Twofold <no-reply@example.com>".to_owned());
    config.delivery.sms_gateway_url = Some(outbox.sms_url.clone());
    TestApp::spawn_with(backend, config).await
}

/// A fresh server per backend.
pub async fn apps() -> Vec<TestApp> {
    let mut apps = vec![TestApp::spawn("sqlite", None).await];
    if let Some(url) = postgres_url() {
        apps.push(TestApp::spawn("postgres", Some(url)).await);
    }
    apps
}

pub fn config(database_url: Option<String>) -> Config {
    let data_dir = std::env::temp_dir().join(unique("twofold_test"));
    Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_schema: database_url.as_ref().map(|_| unique("it")),
        database_url,
        data_dir,
        ..Config::default()
    }
}

impl TestApp {
    pub async fn spawn(backend: &'static str, database_url: Option<String>) -> TestApp {
        Self::spawn_with(backend, config(database_url)).await
    }

    pub async fn spawn_with(backend: &'static str, mut config: Config) -> TestApp {
        let clock = Arc::new(ShiftedClock::default());
        // Bound first, so the issuer is the address the tests reach.
        let listener = app::bind(&config).await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        config.public_url.get_or_insert_with(|| base.clone());
        let prepared = app::prepare_with_clock(&config, clock.clone())
            .await
            .unwrap();
        let admin = prepared
            .first_admin_token
            .expect("a fresh install prints an admin token")
            .expose()
            .to_owned();
        let metrics = app::bind_metrics(&config).await.unwrap();
        let metrics_base = metrics
            .as_ref()
            .map(|l| format!("http://{}", l.local_addr().unwrap()));
        let (stop, stopped) = oneshot::channel::<()>();
        if let Some(listener) = metrics {
            // Ends with the test's runtime.
            tokio::spawn(app::serve_metrics(
                listener,
                prepared.state.clone(),
                std::future::pending(),
            ));
        }
        let server = tokio::spawn(async move {
            app::serve(listener, prepared.state, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        TestApp {
            backend,
            clock,
            base,
            admin,
            http: reqwest::Client::new(),
            data_dir: config.data_dir,
            metrics_base,
            stop: Some(stop),
            server: Some(server),
        }
    }

    /// Moves the server's clock forward (TOTP codes then come from `now() + seconds` too).
    pub fn advance(&self, seconds: i64) {
        self.clock.advance(seconds);
    }

    /// Stops the server's clock at the current whole second (plus any advance so far) and
    /// returns that instant: from here on `now` moves only by [`TestApp::advance`], so a test can
    /// assert exact times however slow the machine is. TOTP codes must then come from
    /// `code_at(app.server_now())`, not from the wall clock.
    pub fn freeze_clock(&self) -> u64 {
        self.clock.freeze();
        self.server_now()
    }

    /// How many times the server has read its clock so far.
    pub fn clock_reads(&self) -> u64 {
        self.clock.reads()
    }

    /// The server's notion of now, in Unix seconds.
    pub fn server_now(&self) -> u64 {
        self.clock.now().0 as u64
    }

    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        Resp::from(request.send().await.unwrap()).await
    }

    pub async fn raw(
        &self,
        method: reqwest::Method,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Resp {
        let request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.admin)
            .header("content-type", content_type)
            .body(body);
        Resp::from(request.send().await.unwrap()).await
    }

    /// `GET /v1/sessions/{id}` with the session's own token.
    pub async fn get_session(&self, session: &Session) -> Resp {
        self.request(
            reqwest::Method::GET,
            &format!("/v1/sessions/{}", session.id),
            Some(&session.token),
            None,
        )
        .await
    }

    pub async fn admin_get(&self, path: &str) -> Resp {
        self.request(reqwest::Method::GET, path, Some(&self.admin), None)
            .await
    }

    pub async fn admin_post(&self, path: &str, body: Value) -> Resp {
        self.request(reqwest::Method::POST, path, Some(&self.admin), Some(body))
            .await
    }

    pub async fn admin_patch(&self, path: &str, body: Value) -> Resp {
        self.request(reqwest::Method::PATCH, path, Some(&self.admin), Some(body))
            .await
    }

    pub async fn admin_put(&self, path: &str, body: Value) -> Resp {
        self.request(reqwest::Method::PUT, path, Some(&self.admin), Some(body))
            .await
    }

    pub async fn admin_delete(&self, path: &str) -> Resp {
        self.request(reqwest::Method::DELETE, path, Some(&self.admin), None)
            .await
    }

    pub async fn settings(&self, change: Value) {
        let mut settings = self.admin_get("/v1/settings/login").await.ok();
        merge(&mut settings, change);
        self.admin_put("/v1/settings/login", settings).await.ok();
    }

    /// A user with a password (and `extra` fields), no factors.
    pub async fn user(&self, username: &str, extra: Value) -> TestUser {
        let mut body = json!({"username": username, "password": PASSWORD});
        merge(&mut body, extra);
        let created = self.admin_post("/v1/users", body).await.created();
        TestUser {
            id: created["id"].as_str().unwrap().to_owned(),
            username: username.to_owned(),
            totp: Vec::new(),
        }
    }

    /// A user with MFA enabled and one active TOTP authenticator.
    pub async fn user_with_totp(&self, username: &str) -> TestUser {
        let mut user = self.user(username, json!({"mfa_enabled": true})).await;
        self.enrol_totp(&mut user, None).await;
        user
    }

    /// Enrols and proves a TOTP authenticator as admin; returns its id.
    pub async fn enrol_totp(&self, user: &mut TestUser, name: Option<&str>) -> String {
        let started = self
            .admin_post(
                &format!("/v1/users/{}/totp", user.id),
                json!({"name": name}),
            )
            .await
            .created();
        let generator = Generator::from_uri(started["uri"].as_str().unwrap());
        // Prove with the previous step's code so the current one is left for sign-in checks —
        // not in a step's last seconds, when it could fall out of the window on its way.
        wait_out_step_end().await;
        let code = generator.code_at(now() - 30);
        let id = started["authenticator_id"].as_str().unwrap().to_owned();
        self.admin_post(
            &format!("/v1/users/{}/totp/verify", user.id),
            json!({"authenticator_id": id, "code": code}),
        )
        .await
        .ok();
        user.totp.push(generator);
        id
    }

    pub async fn start_session(&self, checks: Value) -> Resp {
        self.request(
            reqwest::Method::POST,
            "/v1/sessions",
            None,
            Some(json!({"checks": checks})),
        )
        .await
    }

    pub async fn sign_in_with_password(&self, user: &TestUser) -> Session {
        let body = self
            .start_session(
                json!({"user": {"login_name": user.username}, "password": {"password": PASSWORD}}),
            )
            .await
            .created();
        Session::from(&body)
    }

    /// PATCHes `body` (checks, challenges) into a session; on success the session's token is the
    /// rotated one.
    pub async fn patch_session(&self, session: &mut Session, mut body: Value) -> Resp {
        body["session_token"] = json!(session.token);
        let resp = self
            .request(
                reqwest::Method::PATCH,
                &format!("/v1/sessions/{}", session.id),
                None,
                Some(body),
            )
            .await;
        if resp.status == 200 {
            session.token = resp.body["session_token"].as_str().unwrap().to_owned();
        }
        resp
    }

    /// PATCHes checks into a session.
    pub async fn check(&self, session: &mut Session, checks: Value) -> Resp {
        self.patch_session(session, json!({"checks": checks})).await
    }

    pub async fn check_totp(&self, session: &mut Session, code: &str) -> Resp {
        self.check(session, json!({"totp": {"code": code}})).await
    }

    pub async fn events(&self, query: &str) -> Vec<Value> {
        self.admin_get(&format!("/v1/events?limit=500&{query}"))
            .await
            .ok()["events"]
            .as_array()
            .unwrap()
            .clone()
    }
}

pub fn merge(target: &mut Value, change: Value) {
    match (target, change) {
        (Value::Object(target), Value::Object(change)) => {
            for (key, value) in change {
                merge(target.entry(key).or_insert(Value::Null), value);
            }
        }
        (target, change) => *target = change,
    }
}
