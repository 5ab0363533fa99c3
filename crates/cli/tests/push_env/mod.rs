//! The push tests' world: a server of one backend, `twofold push-device` as the device, and a
//! small listener as the push gateway.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::common::{Proc, STARTUP, TempDir, free_port, twofold, unique};

pub const PASSWORD: &str = "correct horse battery staple";
pub const REDIRECT_URI: &str = "http://127.0.0.1:9/cb";
pub const LOGIN_URL: &str = "https://login.example.com/sign-in";
/// RFC 7636's example pair.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// A server of one backend with its admin token, and a gateway listener that records bodies.
pub struct Env {
    pub _server: Proc,
    pub dir: TempDir,
    pub base: String,
    pub admin: String,
    pub http: reqwest::Client,
    pub gateway: Arc<Mutex<Vec<Value>>>,
}

/// The backends to run on: SQLite always, PostgreSQL (a schema of its own) when configured.
pub fn backends() -> Vec<Vec<String>> {
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
pub fn gateway() -> (u16, Arc<Mutex<Vec<Value>>>) {
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
    pub async fn start(backend: &[String]) -> Env {
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

    /// Another node on the same database and master key (the data directory's key file), for
    /// PostgreSQL backends: its base URL, and the process that serves it.
    pub fn second_node(&self, backend: &[String]) -> (Proc, String) {
        let listen = format!("127.0.0.1:{}", free_port());
        let data_dir = self.dir.0.to_str().unwrap().to_owned();
        let mut args: Vec<&str> = vec!["serve", "--listen", &listen, "--data-dir", &data_dir];
        args.extend(backend.iter().map(String::as_str));
        let mut server = Proc::spawn(&args);
        let line = format!("listening on http://{listen}");
        server.wait_until(&line, STARTUP, |p| p.stderr().contains(&line));
        (server, format!("http://{listen}"))
    }

    pub async fn call(
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
    pub async fn user_with_device(&self, name: &str) -> (String, PathBuf) {
        self.user_with_key(name, "ed25519").await
    }

    pub async fn user_with_key(&self, name: &str, key_type: &str) -> (String, PathBuf) {
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
        let token = format!("token-of-{name}");
        let enrolled = device(
            &["enrol", uri, "--push-token", &token, "--key-type", key_type],
            &keys,
        )
        .expect("enrol");
        assert_eq!(enrolled["state"], "active", "{enrolled}");
        assert_eq!(enrolled["id"], started["authenticator_id"]);
        // The code was spent: a second device cannot enrol with it.
        let again_keys = self.dir.0.join(format!("{name}.again"));
        let again = device(&["enrol", uri], &again_keys);
        assert!(again.unwrap_err().contains("401"));
        assert!(
            !again_keys.exists(),
            "a failed enrolment leaves no key file"
        );
        (id, keys)
    }

    /// A session past its password, and its token.
    pub async fn signed_in(&self, name: &str) -> (String, String) {
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
    pub async fn patch(&self, session: &mut (String, String), mut body: Value) -> (u16, Value) {
        body["session_token"] = json!(session.1);
        let path = format!("/v1/sessions/{}", session.0);
        let (status, answer) = self.call("PATCH", &path, Some(body), false).await;
        if status == 200 {
            session.1 = answer["session_token"].as_str().unwrap().to_owned();
        }
        (status, answer)
    }

    /// Asks for a push: the exchange id and the number the login screen shows.
    pub async fn push(&self, session: &mut (String, String)) -> (String, u64) {
        let (status, body) = self
            .patch(session, json!({"challenges": {"push": {}}}))
            .await;
        assert_eq!(status, 200, "{body}");
        let push = &body["challenges"]["push"];
        let number = push["number"].as_u64().unwrap();
        assert!((10..=99).contains(&number));
        (push["exchange_id"].as_str().unwrap().to_owned(), number)
    }

    pub async fn check(&self, session: &mut (String, String), exchange_id: &str) -> (u16, Value) {
        self.patch(
            session,
            json!({"checks": {"push": {"exchange_id": exchange_id}}}),
        )
        .await
    }

    /// An app (policy `mfa`) and an authorization request for it: the client's id and secret,
    /// and the auth request id the login UI is sent with.
    pub async fn auth_request(&self, mfa: Value) -> ((String, String), String) {
        let app = json!({"name": "Portal", "redirect_uris": [REDIRECT_URI],
            "login_url": LOGIN_URL, "mfa": mfa});
        let (status, created) = self.call("POST", "/v1/apps", Some(app), true).await;
        assert_eq!(status, 201, "{created}");
        let client_id = created["client_id"].as_str().unwrap().to_owned();
        let secret = created["client_secret"].as_str().unwrap().to_owned();
        let mut url = reqwest::Url::parse(&format!("{}/oauth/authorize", self.base)).unwrap();
        url.query_pairs_mut()
            .append_pair("client_id", &client_id)
            .append_pair("redirect_uri", REDIRECT_URI)
            .append_pair("response_type", "code")
            .append_pair("scope", "openid")
            .append_pair("code_challenge", CHALLENGE)
            .append_pair("code_challenge_method", "S256");
        let no_redirects = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let response = no_redirects.get(url).send().await.unwrap();
        assert_eq!(response.status(), 302);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let request = reqwest::Url::parse(&location).unwrap();
        let id = request
            .query_pairs()
            .find(|(k, _)| k == "auth_request_id")
            .map(|(_, v)| v.into_owned())
            .unwrap();
        ((client_id, secret), id)
    }

    /// A session for an auth request, past the user's password, and its token.
    pub async fn signed_in_for(&self, name: &str, request_id: &str) -> (String, String) {
        let checks = json!({"user": {"login_name": name}, "password": {"password": PASSWORD}});
        let body = json!({"auth_request_id": request_id, "checks": checks});
        let (status, body) = self.call("POST", "/v1/sessions", Some(body), false).await;
        assert_eq!(status, 201, "{body}");
        let id = body["session_id"].as_str().unwrap().to_owned();
        (id, body["session_token"].as_str().unwrap().to_owned())
    }

    /// The ID token's claims (read, not verified) once the session continued the request and
    /// the client exchanged its code.
    pub async fn id_claims(
        &self,
        (client_id, secret): &(String, String),
        request_id: &str,
        session: &(String, String),
    ) -> Value {
        let body = json!({"session_id": session.0, "session_token": session.1});
        let path = format!("/v1/auth-requests/{request_id}/continue");
        let (status, answered) = self.call("POST", &path, Some(body), false).await;
        assert_eq!(status, 200, "{answered}");
        let redirect = reqwest::Url::parse(answered["redirect_uri"].as_str().unwrap()).unwrap();
        let code = redirect
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .unwrap();
        let form = [
            ("client_id", client_id.as_str()),
            ("client_secret", secret),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", VERIFIER),
        ];
        let response = self
            .http
            .post(format!("{}/oauth/token", self.base))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let tokens: Value = response.json().await.unwrap();
        let payload = tokens["id_token"]
            .as_str()
            .unwrap()
            .split('.')
            .nth(1)
            .unwrap();
        let payload = data_encoding::BASE64URL_NOPAD
            .decode(payload.as_bytes())
            .unwrap();
        serde_json::from_slice(&payload).unwrap()
    }

    pub async fn events(&self, kind: &str) -> Vec<Value> {
        let path = format!("/v1/events?limit=500&type={kind}");
        let (_, body) = self.call("GET", &path, None, true).await;
        body["events"].as_array().cloned().unwrap_or_default()
    }
}

/// `twofold push-device <args> --keys <keys>`: its JSON answer, or its error text.
pub fn device(args: &[&str], keys: &Path) -> Result<Value, String> {
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

pub fn wrong(number: u64) -> String {
    (if number == 99 { 10 } else { number + 1 }).to_string()
}
