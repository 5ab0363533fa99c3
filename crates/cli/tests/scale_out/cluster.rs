//! Two real `twofold serve` processes on one PostgreSQL schema with one master key, and the HTTP
//! calls the scale-out cases make to them.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use data_encoding::BASE64;
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{listening_port, twofold, unique};

pub const PASSWORD: &str = "correct horse battery staple";

/// One node: a `twofold serve` child, killed (and its data directory removed) on drop.
struct Node {
    child: Child,
    base: String,
    data_dir: PathBuf,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

fn collect(pipe: impl Read + Send + 'static, into: &Arc<Mutex<String>>) {
    let into = Arc::clone(into);
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            let mut all = into.lock().unwrap();
            all.push_str(&line);
            all.push('\n');
        }
    });
}

impl Node {
    fn start(storage: &[(&str, String)], settings_cache_millis: u64) -> Node {
        let data_dir = std::env::temp_dir().join(unique("twofold-node"));
        let mut env = storage.to_vec();
        env.push(("TWOFOLD_DATA_DIR", data_dir.display().to_string()));
        env.push((
            "TWOFOLD_SETTINGS_CACHE_MILLIS",
            settings_cache_millis.to_string(),
        ));
        // The log sender is a transport: SMS codes can be challenged (and returned to the admin).
        // Port 0: the node picks its own (read from its listening line), so no port found free
        // beforehand can be taken before the node binds it.
        let args = ["serve", "--listen", "127.0.0.1:0", "--dev-mode"];
        let mut child = twofold(&args, &env)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let output: Arc<Mutex<String>> = Arc::default();
        collect(child.stdout.take().unwrap(), &output);
        collect(child.stderr.take().unwrap(), &output);
        let deadline = Instant::now() + Duration::from_secs(30);
        let port = loop {
            if let Some(port) = listening_port(&output.lock().unwrap()) {
                break port;
            }
            assert!(Instant::now() < deadline, "{}", output.lock().unwrap());
            std::thread::sleep(Duration::from_millis(20));
        };
        Node {
            child,
            base: format!("http://127.0.0.1:{port}"),
            data_dir,
        }
    }
}

/// A response: status and JSON body (`null` when there is none).
pub type Answer = (u16, Value);

#[derive(Clone)]
pub struct Cluster {
    nodes: Arc<[Node; 2]>,
    http: reqwest::Client,
    pub admin: String,
}

impl Cluster {
    /// Two nodes on a fresh schema of the test database, or `None` (with a note) when
    /// `TWOFOLD_TEST_DATABASE_URL` is unset. The schema is migrated and the admin token made
    /// before either node starts, so the nodes do not race to create them.
    pub fn start(settings_cache_millis: u64) -> Option<Cluster> {
        let Ok(url) = std::env::var("TWOFOLD_TEST_DATABASE_URL") else {
            eprintln!("skipped: TWOFOLD_TEST_DATABASE_URL not set; two nodes need PostgreSQL");
            return None;
        };
        let key: Vec<u8> = unique("key").bytes().rev().cycle().take(32).collect();
        let storage = [
            ("TWOFOLD_DATABASE_URL", url),
            ("TWOFOLD_DATABASE_SCHEMA", unique("scale")),
            ("TWOFOLD_MASTER_KEY", BASE64.encode(&key)),
            ("TWOFOLD_LOG", "info".to_owned()),
        ];
        let created = twofold(&["admin-token", "create"], &storage)
            .output()
            .unwrap();
        assert!(created.status.success(), "{created:?}");
        let admin = String::from_utf8(created.stdout).unwrap().trim().to_owned();
        let nodes = [
            Node::start(&storage, settings_cache_millis),
            Node::start(&storage, settings_cache_millis),
        ];
        Some(Cluster {
            nodes: Arc::new(nodes),
            http: reqwest::Client::new(),
            admin,
        })
    }

    /// `method path` on node `node % 2`, with a bearer token when given.
    pub async fn call(
        &self,
        node: usize,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> Answer {
        let url = format!("{}{path}", self.nodes[node % 2].base);
        let mut request = self.http.request(method, url);
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

    /// An admin call on `node` that must succeed; its body.
    pub async fn admin(&self, node: usize, method: Method, path: &str, body: Value) -> Value {
        let (status, answer) = self
            .call(node, method, path, Some(&self.admin.clone()), body)
            .await;
        assert!(status < 300, "{path}: {status} {answer}");
        answer
    }

    /// Merges `patch` into the tenant's login settings (through node 0).
    pub async fn settings(&self, patch: Value) -> Value {
        self.admin(0, Method::PATCH, "/v1/settings/login", patch)
            .await
    }

    /// A user with a password, created through node 0; their id.
    pub async fn user(&self, username: &str) -> String {
        let body = json!({"username": username, "password": PASSWORD});
        let user = self.admin(0, Method::POST, "/v1/users", body).await;
        user["id"].as_str().unwrap().to_owned()
    }

    /// A proven TOTP authenticator for `user`: the generator, and the time step it was proven
    /// with (the one before now, so the current step is still unused).
    pub async fn totp(&self, user: &str) -> totp_rs::Totp {
        let path = format!("/v1/users/{user}/totp");
        let started = self.admin(0, Method::POST, &path, json!({})).await;
        let generator = totp_rs::Totp::from_url(started["uri"].as_str().unwrap()).unwrap();
        let code = generator.generate(unix_now() - 30).to_string();
        let body = json!({"authenticator_id": started["authenticator_id"], "code": code});
        self.admin(0, Method::POST, &format!("{path}/verify"), body)
            .await;
        generator
    }

    /// A session past the password on `node`: its id and token.
    pub async fn signed_in(&self, node: usize, username: &str) -> (String, String) {
        let checks = json!({"checks": {"user": {"login_name": username}, "password": {"password": PASSWORD}}});
        let (status, session) = self
            .call(node, Method::POST, "/v1/sessions", None, checks)
            .await;
        assert_eq!(status, 201, "{session}");
        let text = |key: &str| session[key].as_str().unwrap().to_owned();
        (text("session_id"), text("session_token"))
    }

    /// `PATCH /v1/sessions/{id}` on `node` with `checks`, as the session.
    pub async fn check(&self, node: usize, session: &(String, String), checks: Value) -> Answer {
        let body = json!({"session_token": session.1, "checks": checks});
        let path = format!("/v1/sessions/{}", session.0);
        self.call(node, Method::PATCH, &path, None, body).await
    }

    /// Every audit event of `kind` for `user`.
    pub async fn events(&self, user: &str, kind: &str) -> Vec<Value> {
        let path = format!("/v1/events?user_id={user}&type={kind}&limit=500");
        let answer = self.admin(1, Method::GET, &path, Value::Null).await;
        answer["events"].as_array().unwrap().clone()
    }
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Runs every request at once (spawned together); their answers in the order given.
pub async fn all_at_once<F>(requests: Vec<F>) -> Vec<Answer>
where
    F: Future<Output = Answer> + Send + 'static,
{
    let handles: Vec<_> = requests.into_iter().map(tokio::spawn).collect();
    let mut answers = Vec::new();
    for handle in handles {
        answers.push(handle.await.unwrap());
    }
    answers
}

/// How many answers had `status` (and, when given, the problem `code`).
pub fn count(answers: &[Answer], status: u16, code: Option<&str>) -> usize {
    answers
        .iter()
        .filter(|(s, body)| *s == status && code.is_none_or(|c| body["code"] == c))
        .count()
}
