//! Push approval with number matching, end to end: a real server, `twofold push-device` as the
//! device, and a small listener as the push gateway, on SQLite and (when
//! TWOFOLD_TEST_DATABASE_URL is set) PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(
    clippy::disallowed_methods,
    reason = "the test waits for the binary and for a push to expire on the wall clock"
)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Proc, STARTUP, TempDir, free_port, twofold, unique};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

/// A server of one backend with its admin token, and a gateway listener that records bodies.
struct Env {
    _server: Proc,
    dir: TempDir,
    base: String,
    admin: String,
    http: reqwest::Client,
    gateway: Arc<Mutex<Vec<Value>>>,
}

/// The backends to run on: SQLite always, PostgreSQL (a schema of its own) when configured.
fn backends() -> Vec<Vec<String>> {
    let mut all = vec![Vec::new()];
    match std::env::var("TWOFOLD_TEST_DATABASE_URL") {
        Ok(url) => all.push(vec![
            "--database-url".to_owned(),
            url,
            "--database-schema".to_owned(),
            unique("push"),
        ]),
        Err(_) => {
            eprintln!("skipped: TWOFOLD_TEST_DATABASE_URL not set; PostgreSQL is not tested here")
        }
    }
    all
}

/// Accepts HTTP requests forever, records each JSON body and answers 200.
fn gateway() -> (u16, Arc<Mutex<Vec<Value>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let into = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            into.lock()
                .unwrap()
                .push(serde_json::from_slice(&body).unwrap_or(Value::Null));
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
        }
    });
    (port, seen)
}

impl Env {
    async fn start(backend: &[String]) -> Env {
        let dir = TempDir::new("push");
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let base = format!("http://{listen}");
        let data_dir = dir.0.to_str().unwrap().to_owned();
        let mut args: Vec<&str> = vec![
            "serve",
            "--listen",
            &listen,
            "--public-url",
            &base,
            "--data-dir",
            &data_dir,
        ];
        args.extend(backend.iter().map(String::as_str));
        let mut server = Proc::spawn(&args);
        let line = format!("listening on http://{listen}");
        server.wait_until(&line, STARTUP, |p| {
            p.stderr().contains(&line) && !p.stdout().is_empty()
        });
        let admin = server.stdout()[0]
            .strip_prefix("admin token (shown once): ")
            .expect("admin token line")
            .to_owned();
        let (gateway_port, gateway) = gateway();
        let env = Env {
            _server: server,
            dir,
            base,
            admin,
            http: reqwest::Client::new(),
            gateway,
        };
        let mut settings = env.call("GET", "/v1/settings/login", None, true).await.1;
        settings["second_factors"] = json!(["totp", "backup-code", "push"]);
        settings["push"]["gateway_url"] = json!(format!("http://127.0.0.1:{gateway_port}/notify"));
        settings["push"]["ttl_seconds"] = json!(10);
        let (status, body) = env
            .call("PUT", "/v1/settings/login", Some(settings), true)
            .await;
        assert_eq!(status, 200, "{body}");
        env
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        admin: bool,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if admin {
            request = request.bearer_auth(&self.admin);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A user with a password and MFA on, and a push device enrolled by `twofold push-device`.
    async fn user_with_device(&self, name: &str) -> (String, PathBuf) {
        let body = json!({"username": name, "password": PASSWORD, "mfa_enabled": true});
        let (status, user) = self.call("POST", "/v1/users", Some(body), true).await;
        assert_eq!(status, 201, "{user}");
        let id = user["id"].as_str().unwrap().to_owned();
        let path = format!("/v1/users/{id}/push-devices");
        let (status, started) = self
            .call("POST", &path, Some(json!({"name": "Phone"})), true)
            .await;
        assert_eq!(status, 201, "{started}");
        assert!(started["qr_svg"].as_str().unwrap().starts_with("<?xml"));
        assert_eq!(started["state"], "pending");
        let uri = started["enrolment_uri"].as_str().unwrap();
        assert!(uri.starts_with("twofold-push://enrol?v=1&"), "{uri}");
        let keys = self.dir.0.join(format!("{name}.keys"));
        let enrolled = device(
            &["enrol", uri, "--push-token", &format!("token-of-{name}")],
            &keys,
        )
        .expect("enrol");
        assert_eq!(enrolled["state"], "active", "{enrolled}");
        assert_eq!(enrolled["id"], started["authenticator_id"]);
        // The code was spent: a second device cannot enrol with it.
        let again = device(&["enrol", uri], &self.dir.0.join(format!("{name}.again")));
        assert!(again.unwrap_err().contains("401"));
        (id, keys)
    }

    /// A session past its password, and its token.
    async fn signed_in(&self, name: &str) -> (String, String) {
        let checks = json!({"user": {"login_name": name}, "password": {"password": PASSWORD}});
        let (status, body) = self
            .call(
                "POST",
                "/v1/sessions",
                Some(json!({"checks": checks})),
                false,
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let id = body["session_id"].as_str().unwrap().to_owned();
        (id, body["session_token"].as_str().unwrap().to_owned())
    }

    /// PATCHes a session; on success its token is the rotated one.
    async fn patch(&self, session: &mut (String, String), mut body: Value) -> (u16, Value) {
        body["session_token"] = json!(session.1);
        let path = format!("/v1/sessions/{}", session.0);
        let (status, answer) = self.call("PATCH", &path, Some(body), false).await;
        if status == 200 {
            session.1 = answer["session_token"].as_str().unwrap().to_owned();
        }
        (status, answer)
    }

    /// Asks for a push: the exchange id and the number the login screen shows.
    async fn push(&self, session: &mut (String, String)) -> (String, u64) {
        let (status, body) = self
            .patch(session, json!({"challenges": {"push": {}}}))
            .await;
        assert_eq!(status, 200, "{body}");
        let push = &body["challenges"]["push"];
        let number = push["number"].as_u64().unwrap();
        assert!((10..=99).contains(&number));
        (push["exchange_id"].as_str().unwrap().to_owned(), number)
    }

    async fn check(&self, session: &mut (String, String), exchange_id: &str) -> (u16, Value) {
        self.patch(
            session,
            json!({"checks": {"push": {"exchange_id": exchange_id}}}),
        )
        .await
    }

    async fn events(&self, kind: &str) -> Vec<Value> {
        let path = format!("/v1/events?limit=500&type={kind}");
        let (_, body) = self.call("GET", &path, None, true).await;
        body["events"].as_array().cloned().unwrap_or_default()
    }
}

/// `twofold push-device <args> --keys <keys>`: its JSON answer, or its error text.
fn device(args: &[&str], keys: &Path) -> Result<Value, String> {
    let (command, rest) = args.split_first().unwrap();
    let keys = keys.to_str().unwrap();
    let all = [&["push-device", command][..], rest, &["--keys", keys]].concat();
    let output = twofold(&all, &[]).output().unwrap();
    if output.status.success() {
        Ok(serde_json::from_slice(&output.stdout).unwrap())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

fn wrong(number: u64) -> String {
    (if number == 99 { 10 } else { number + 1 }).to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_approval_with_the_number_shown_passes_and_the_gateway_sees_only_token_and_id() {
    for backend in backends() {
        let env = Env::start(&backend).await;
        let (_, keys) = env.user_with_device("alice").await;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&keys).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "key file mode {mode:o}");
        }
        let mut session = env.signed_in("alice").await;
        let (exchange, number) = env.push(&mut session).await;

        // Asking again in the same session gives the same exchange and number back.
        assert_eq!(env.push(&mut session).await, (exchange.clone(), number));
        let (status, body) = env.check(&mut session, &exchange).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("pending")),
            "{body}"
        );

        let pending = device(&["pending"], &keys).unwrap();
        let listed = pending["pending"].as_array().unwrap();
        assert_eq!(listed.len(), 1, "{pending}");
        assert_eq!(listed[0]["exchange_id"], exchange.as_str());
        assert_eq!(listed[0]["client_ip"], "127.0.0.1");
        assert!(
            listed[0].get("number").is_none(),
            "the device must not see the number"
        );

        let approved = device(
            &["approve", &exchange, "--number", &number.to_string()],
            &keys,
        );
        assert_eq!(approved.unwrap()["state"], "approved");
        let (status, body) = env.check(&mut session, &exchange).await;
        assert_eq!(status, 200, "{body}");
        assert!(body["checks"]["push"].is_object(), "{body}");
        assert_eq!(body["mfa"]["satisfied"], true, "{body}");
        // A second answer to an answered push changes nothing.
        assert!(
            device(&["deny", &exchange], &keys)
                .unwrap_err()
                .contains("409")
        );

        let seen = common::poll("the gateway call", STARTUP, || {
            let seen = env.gateway.lock().unwrap().clone();
            (!seen.is_empty()).then_some(seen)
        });
        assert_eq!(
            seen,
            vec![json!({"push_token": "token-of-alice", "exchange_id": exchange})]
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_number_ends_the_push_and_spends_the_second_factor_budget() {
    for backend in backends() {
        let env = Env::start(&backend).await;
        let (user_id, keys) = env.user_with_device("bob").await;
        let mut session = env.signed_in("bob").await;
        let (exchange, number) = env.push(&mut session).await;
        let answered = device(&["approve", &exchange, "--number", &wrong(number)], &keys);
        assert_eq!(answered.unwrap()["state"], "wrong_number");
        let (status, body) = env.check(&mut session, &exchange).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("push_wrong_number"))
        );
        // The right number comes too late: the push is over.
        let late = device(
            &["approve", &exchange, "--number", &number.to_string()],
            &keys,
        );
        assert!(late.unwrap_err().contains("409"));
        let failed = env.events("session.check_failed").await;
        assert!(
            failed.iter().any(|e| e["user_id"] == user_id.as_str()
                && e["detail"]["factor"] == "push"
                && e["detail"]["reason"] == "wrong_number"),
            "{failed:?}"
        );
        let (_, user) = env
            .call("GET", &format!("/v1/users/{user_id}"), None, true)
            .await;
        assert_eq!(user["lockout"]["second_factor"]["failures"], 1, "{user}");
        // A new push is a new exchange with its own number.
        let (next, _) = env.push(&mut session).await;
        assert_ne!(next, exchange);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn denials_end_pushes_and_three_pause_push_while_other_factors_still_work() {
    for backend in backends() {
        let env = Env::start(&backend).await;
        let (user_id, keys) = env.user_with_device("carol").await;
        let (status, codes) = env
            .call(
                "POST",
                &format!("/v1/users/{user_id}/backup-codes"),
                Some(json!({})),
                true,
            )
            .await;
        assert_eq!(status, 201, "{codes}");
        let mut session = env.signed_in("carol").await;
        for _ in 0..3 {
            let (exchange, _) = env.push(&mut session).await;
            assert_eq!(
                device(&["deny", &exchange], &keys).unwrap()["state"],
                "denied"
            );
            let (status, body) = env.check(&mut session, &exchange).await;
            assert_eq!((status, body["code"].as_str()), (401, Some("push_denied")));
        }
        let (status, body) = env
            .patch(&mut session, json!({"challenges": {"push": {}}}))
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (403, Some("push_paused")),
            "{body}"
        );
        assert!(body["paused_until"].is_string(), "{body}");
        let fatigue = env.events("push.fatigue").await;
        assert_eq!(fatigue.len(), 1, "{fatigue:?}");
        assert_eq!(fatigue[0]["user_id"], user_id.as_str());
        let code = codes["codes"][0].as_str().unwrap();
        let (status, body) = env
            .patch(
                &mut session,
                json!({"checks": {"backup_code": {"code": code}}}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["mfa"]["satisfied"], true, "{body}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_signed_by_another_key_is_refused_and_the_push_still_waits() {
    for backend in backends() {
        let env = Env::start(&backend).await;
        let (_, keys) = env.user_with_device("dave").await;
        let (_, other) = env.user_with_device("erin").await;
        // Dave's device id with Erin's private key.
        let mut forged: Value =
            serde_json::from_str(&std::fs::read_to_string(&keys).unwrap()).unwrap();
        let erin: Value = serde_json::from_str(&std::fs::read_to_string(&other).unwrap()).unwrap();
        forged["private_key"] = erin["private_key"].clone();
        let forged_keys = env.dir.0.join("forged.keys");
        std::fs::write(&forged_keys, forged.to_string()).unwrap();

        let mut session = env.signed_in("dave").await;
        let (exchange, number) = env.push(&mut session).await;
        let refused = device(
            &["approve", &exchange, "--number", &number.to_string()],
            &forged_keys,
        );
        assert!(refused.unwrap_err().contains("401"));
        assert!(
            device(&["pending"], &forged_keys)
                .unwrap_err()
                .contains("401")
        );
        // Erin's own device cannot answer Dave's push either.
        let theirs = device(
            &["approve", &exchange, "--number", &number.to_string()],
            &other,
        );
        assert!(theirs.unwrap_err().contains("401"));
        let (status, body) = env.check(&mut session, &exchange).await;
        assert_eq!((status, body["code"].as_str()), (409, Some("pending")));
        let approved = device(
            &["approve", &exchange, "--number", &number.to_string()],
            &keys,
        );
        assert_eq!(approved.unwrap()["state"], "approved");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unanswered_push_expires_and_cannot_be_approved_after() {
    for backend in backends() {
        let env = Env::start(&backend).await;
        let (_, keys) = env.user_with_device("frank").await;
        let mut session = env.signed_in("frank").await;
        let (exchange, number) = env.push(&mut session).await;
        // ttl_seconds is 10 in these tests.
        tokio::time::sleep(Duration::from_secs(11)).await;
        assert_eq!(device(&["pending"], &keys).unwrap()["pending"], json!([]));
        let late = device(
            &["approve", &exchange, "--number", &number.to_string()],
            &keys,
        );
        assert!(late.unwrap_err().contains("code_expired"));
        let (status, body) = env.check(&mut session, &exchange).await;
        assert_eq!((status, body["code"].as_str()), (401, Some("code_expired")));
        let (next, _) = env.push(&mut session).await;
        assert_ne!(next, exchange);
    }
}
