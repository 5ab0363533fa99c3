//! Nothing secret reaches the log, at any level: the real `twofold serve` at `RUST_LOG=trace`,
//! email through a real SMTP conversation with AUTH, SMS through a real HTTP gateway, a sign-in
//! with every kind of factor — then every secret the run handled is searched for in its output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(
    clippy::disallowed_methods,
    reason = "the test plays the authenticator app and waits for the binary, on the wall clock"
)]

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::twofold;
use data_encoding::BASE64;
use serde_json::{Value, json};
use server::serve;
use sinks::{Received, Shared, sms_sink, smtp_sink};

#[path = "../common/mod.rs"]
mod common;
mod server;
mod sinks;

const PASSWORD: &str = "correct horse battery staple";
const SMTP_USER: &str = "twofold-smtp-user";
const SMTP_PASSWORD: &str = "smtp-Pa55word-7Qx";
const SMS_TOKEN: &str = "sms-gateway-token-9Kd2";

fn unique(label: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{label}_{}_{nanos}", std::process::id())
}

struct Api {
    http: reqwest::Client,
    base: String,
    admin: String,
}

impl Api {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> (u16, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if !body.is_null() {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn admin(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let (status, body) = self
            .call(method, path, Some(&self.admin.clone()), body)
            .await;
        assert!(status < 300, "{path}: {status} {body}");
        body
    }
}

fn text(value: &Value) -> String {
    value.as_str().unwrap().to_owned()
}

/// A six-digit code standing alone on a line (the plain-text part of the mail).
fn code_in_mail(mail: &str) -> String {
    mail.lines()
        .map(str::trim)
        .find(|l| l.len() == 6 && l.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or_else(|| panic!("no code in {mail}"))
        .to_owned()
}

async fn wait_for<T>(received: &Shared, pick: impl Fn(&Received) -> Option<T>) -> T {
    for _ in 0..300 {
        if let Some(found) = pick(&received.lock().unwrap()) {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("nothing arrived");
}

/// Runs the whole flow against a server on `storage`; returns every secret it handled.
/// `storage` includes the log filter variable (`RUST_LOG` or `TWOFOLD_LOG`, both are honoured).
async fn run_flow(storage: &[(&str, String)]) -> (String, Vec<String>) {
    let received = Shared::default();
    let smtp = smtp_sink(Arc::clone(&received));
    let sms = sms_sink(Arc::clone(&received));
    // The admin token is made beforehand: serve then prints none (on purpose, on stdout).
    let created = twofold(&["admin-token", "create"], storage)
        .output()
        .unwrap();
    assert!(created.status.success(), "{created:?}");
    let admin = String::from_utf8(created.stdout).unwrap().trim().to_owned();
    let server = serve(storage, smtp, sms);
    let api = Api {
        http: reqwest::Client::new(),
        base: format!("http://127.0.0.1:{}", server.port),
        admin: admin.clone(),
    };
    use reqwest::Method;
    let mut secrets = vec![
        PASSWORD.to_owned(),
        SMTP_USER.to_owned(),
        SMTP_PASSWORD.to_owned(),
        SMS_TOKEN.to_owned(),
        BASE64.encode(format!("\0{SMTP_USER}\0{SMTP_PASSWORD}").as_bytes()),
        BASE64.encode(SMTP_USER.as_bytes()),
        BASE64.encode(SMTP_PASSWORD.as_bytes()),
        admin,
    ];

    let mut settings = api
        .admin(Method::GET, "/v1/settings/login", Value::Null)
        .await;
    settings["second_factors"] = json!(["totp", "backup-code", "otp-sms", "otp-email"]);
    api.admin(Method::PUT, "/v1/settings/login", settings).await;
    let user = api
        .admin(
            Method::POST,
            "/v1/users",
            json!({"username": "alice", "password": PASSWORD, "mfa_enabled": true}),
        )
        .await;
    let id = text(&user["id"]);
    let users = format!("/v1/users/{id}");
    api.admin(
        Method::POST,
        &format!("{users}/phone"),
        json!({"phone": "+41 79 123 45 67", "verified": true}),
    )
    .await;
    api.admin(
        Method::POST,
        &format!("{users}/email"),
        json!({"email": "alice@example.com", "verified": true}),
    )
    .await;
    api.admin(Method::POST, &format!("{users}/otp-sms"), json!({}))
        .await;
    api.admin(Method::POST, &format!("{users}/otp-email"), json!({}))
        .await;

    let totp = api
        .admin(Method::POST, &format!("{users}/totp"), json!({}))
        .await;
    let generator = totp_rs::Totp::from_url(totp["uri"].as_str().unwrap()).unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let (first_code, second_code) = (
        generator.generate(now - 30).to_string(),
        generator.generate(now).to_string(),
    );
    secrets.extend([
        text(&totp["secret"]),
        text(&totp["uri"]),
        first_code.clone(),
        second_code.clone(),
    ]);
    api.admin(
        Method::POST,
        &format!("{users}/totp/verify"),
        json!({"authenticator_id": totp["authenticator_id"], "code": first_code}),
    )
    .await;
    let backup = api
        .admin(Method::POST, &format!("{users}/backup-codes"), json!({}))
        .await;
    let backup_codes: Vec<String> = backup["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(text)
        .collect();
    secrets.extend(backup_codes.iter().cloned());
    let app = api
        .admin(
            Method::POST,
            "/v1/apps",
            json!({"name": "Portal", "redirect_uris": ["https://app.example.com/cb"]}),
        )
        .await;
    let client_secret = text(&app["client_secret"]);
    secrets.push(client_secret.clone());

    let (status, session) = api
        .call(
            Method::POST,
            "/v1/sessions",
            None,
            json!({"checks": {"user": {"login_name": "alice"}, "password": {"password": PASSWORD}}}),
        )
        .await;
    assert_eq!(status, 201, "{session}");
    let sessions = format!("/v1/sessions/{}", text(&session["session_id"]));
    let mut token = text(&session["session_token"]);
    secrets.push(token.clone());
    for challenge in ["otp_email", "otp_sms"] {
        let body = json!({"challenges": {challenge: {}}});
        let (status, answer) = patch(&api, &sessions, &mut token, &mut secrets, body).await;
        assert_eq!(status, 200, "{answer}");
    }
    let mail = wait_for(&received, |r| r.mails.first().cloned()).await;
    let email_code = code_in_mail(&mail);
    let (sms_head, sms_body) = wait_for(&received, |r| r.sms.first().cloned()).await;
    assert!(
        sms_head.contains(SMS_TOKEN),
        "the gateway got its token: {sms_head}"
    );
    let sms_code: String = text(&sms_body["message"])
        .chars()
        .filter(char::is_ascii_digit)
        .take(6)
        .collect();
    secrets.extend([email_code.clone(), sms_code.clone()]);
    let commands = received.lock().unwrap().smtp_commands.join("\n");
    assert!(commands.contains("AUTH "), "AUTH was used: {commands}");
    for check in [
        json!({"otp_email": {"code": email_code}}),
        json!({"otp_sms": {"code": sms_code}}),
        json!({"totp": {"code": second_code}}),
        json!({"backup_code": {"code": backup_codes[0]}}),
    ] {
        let body = json!({"checks": check});
        patch(&api, &sessions, &mut token, &mut secrets, body).await;
    }
    // The client secret at the token endpoint (with a code that never was).
    let refused = api
        .http
        .post(format!("{}/oauth/token", api.base))
        .basic_auth(text(&app["client_id"]), Some(&client_secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", "tfo_none"),
            ("redirect_uri", "https://app.example.com/cb"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 400);

    // Login names travel in query strings (what a login UI asks before the password, an admin's
    // search): the full address is personal data and must not reach the log with the URI.
    let (status, _) = api
        .call(
            Method::GET,
            "/v1/sign-in-methods?login_name=alice%40example.com",
            None,
            Value::Null,
        )
        .await;
    assert_eq!(status, 200);
    api.admin(
        Method::GET,
        "/v1/users?search=alice%40example.com",
        Value::Null,
    )
    .await;
    secrets.extend([
        "alice@example.com".to_owned(),
        "alice%40example.com".to_owned(),
    ]);

    let output = server.output.lock().unwrap().clone();
    drop(server);
    (output, secrets)
}

/// PATCHes a session with its current token; a new token is kept (and is a secret too).
async fn patch(
    api: &Api,
    path: &str,
    token: &mut String,
    secrets: &mut Vec<String>,
    mut body: Value,
) -> (u16, Value) {
    body["session_token"] = json!(token.clone());
    let (status, answer) = api.call(reqwest::Method::PATCH, path, None, body).await;
    if status == 200 {
        *token = text(&answer["session_token"]);
        secrets.push(token.clone());
    }
    (status, answer)
}

fn assert_no_secret(output: &str, secrets: &[String]) {
    // The run did log at trace level, and did talk to both sinks.
    assert!(
        output.contains("TRACE") || output.contains("DEBUG"),
        "{output}"
    );
    for secret in secrets {
        assert!(secret.len() >= 6, "{secret:?} is too short to search for");
        if let Some(at) = output.find(secret.as_str()) {
            let line = output[..at].rsplit('\n').next().unwrap_or("");
            panic!("the log holds the secret {secret:?}, in: {line}…");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_flow_at_trace_level_logs_no_secret_on_sqlite() {
    let dir = std::env::temp_dir().join(unique("twofold-log"));
    let storage = [
        ("TWOFOLD_DATA_DIR", dir.display().to_string()),
        ("RUST_LOG", "trace".to_owned()),
    ];
    let (output, secrets) = run_flow(&storage).await;
    let _ = std::fs::remove_dir_all(&dir);
    assert_no_secret(&output, &secrets);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_flow_at_trace_level_logs_no_secret_on_postgres() {
    let Ok(url) = std::env::var("TWOFOLD_TEST_DATABASE_URL") else {
        eprintln!("TWOFOLD_TEST_DATABASE_URL not set; skipping the PostgreSQL run");
        return;
    };
    let dir = std::env::temp_dir().join(unique("twofold-log-pg"));
    let storage = [
        ("TWOFOLD_DATA_DIR", dir.display().to_string()),
        ("TWOFOLD_DATABASE_URL", url),
        ("TWOFOLD_DATABASE_SCHEMA", unique("log")),
        ("TWOFOLD_LOG", "trace".to_owned()),
    ];
    let (output, secrets) = run_flow(&storage).await;
    let _ = std::fs::remove_dir_all(&dir);
    assert_no_secret(&output, &secrets);
}
