//! The real `twofold` binary: first start, graceful shutdown, restarts, admin tokens, migrations,
//! PostgreSQL (when TWOFOLD_TEST_DATABASE_URL is set) and a bad configuration.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(
    clippy::disallowed_methods,
    reason = "the test waits for the binary and names its files on the wall clock"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const STARTUP: Duration = Duration::from_secs(30);
const SHUTDOWN: Duration = Duration::from_secs(5);

/// A fresh, unique directory name under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> TempDir {
        TempDir(std::env::temp_dir().join(unique(&format!("twofold-cli-{label}"))))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}_{}_{nanos}_{n}", std::process::id())
}

/// A running `twofold` process with its output collected line by line; killed on drop.
struct Proc {
    child: Child,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
    readers: Vec<JoinHandle<()>>,
}

fn collect(pipe: impl Read + Send + 'static, into: &Arc<Mutex<Vec<String>>>) -> JoinHandle<()> {
    let into = Arc::clone(into);
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            into.lock().unwrap().push(line);
        }
    })
}

impl Proc {
    /// Starts `twofold <args>` with a clean TWOFOLD_* environment, run from the temp dir (so a
    /// stray default `./twofold-data` never lands in the repository).
    fn spawn(args: &[&str]) -> Proc {
        let mut command = Command::new(env!("CARGO_BIN_EXE_twofold"));
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("TWOFOLD_") {
                command.env_remove(name);
            }
        }
        let mut child = command
            .args(args)
            .current_dir(std::env::temp_dir())
            .env("TWOFOLD_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn twofold");
        let (stdout, stderr) = (Arc::default(), Arc::default());
        let readers = vec![
            collect(child.stdout.take().unwrap(), &stdout),
            collect(child.stderr.take().unwrap(), &stderr),
        ];
        Proc {
            child,
            stdout,
            stderr,
            readers,
        }
    }

    fn stdout(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    /// Polls `ready` until it holds; fails if the process exits first or `timeout` passes.
    fn wait_until(&mut self, what: &str, timeout: Duration, ready: impl Fn(&Proc) -> bool) {
        poll(what, timeout, || match self.child.try_wait().unwrap() {
            _ if ready(self) => Some(()),
            Some(status) => panic!("exited ({status}) before {what}:\n{}", self.stderr()),
            None => None,
        });
    }

    /// Waits for the exit (at most `timeout`) and for all the output to be read.
    fn wait(&mut self, timeout: Duration) -> ExitStatus {
        let status = poll("the exit", timeout, || self.child.try_wait().unwrap());
        self.readers
            .drain(..)
            .for_each(|reader| reader.join().unwrap());
        status
    }

    /// SIGTERM, then the exit status.
    fn terminate(&mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success(), "kill -TERM {pid} failed");
        self.wait(SHUTDOWN)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Calls `step` every 20 ms until it gives a value; fails after `timeout`.
fn poll<T>(what: &str, timeout: Duration, mut step: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = step() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `twofold <args>` run to completion (at most 30 s).
fn run(args: &[&str]) -> (ExitStatus, Vec<String>, String) {
    let mut proc = Proc::spawn(args);
    let status = proc.wait(STARTUP);
    (status, proc.stdout(), proc.stderr())
}

/// A running server on a free port.
struct Server {
    proc: Proc,
    port: u16,
}

impl Server {
    /// `twofold serve --listen 127.0.0.1:<free port> <args>`, once it logs that it listens.
    fn start(args: &[&str]) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let listen = format!("127.0.0.1:{port}");
        let mut proc = Proc::spawn(&[&["serve", "--listen", &listen], args].concat());
        let line = format!("listening on http://{listen}");
        proc.wait_until(&line, STARTUP, |p| p.stderr().contains(&line));
        Server { proc, port }
    }

    /// The status code of `GET <path>`, with a bearer token when given.
    fn get(&self, path: &str, token: Option<&str>) -> u16 {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{auth}\r\n");
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let status = response.split(' ').nth(1).unwrap_or_default();
        status
            .parse()
            .unwrap_or_else(|_| panic!("bad response to {path}: {response:?}"))
    }
}

fn data_dir_args(data_dir: &TempDir) -> [&str; 2] {
    ["--data-dir", data_dir.0.to_str().unwrap()]
}

#[test]
fn first_start_prints_one_admin_token_creates_key_and_database_and_serves() {
    let dir = TempDir::new("first");
    let mut server = Server::start(&data_dir_args(&dir));
    server
        .proc
        .wait_until("the admin token", STARTUP, |p| !p.stdout().is_empty());
    let stdout = server.proc.stdout();
    assert_eq!(stdout.len(), 1, "{stdout:?}");
    let token = stdout[0]
        .strip_prefix("admin token (shown once): ")
        .expect("admin token line")
        .to_owned();
    assert!(token.starts_with("tfa_"), "{token}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.0.join("master.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "master.key mode {mode:o}");
    }
    assert!(dir.0.join("twofold.db").is_file());

    assert_eq!(server.get("/healthz", None), 200);
    assert_eq!(server.get("/v1/settings/login", Some(&token)), 200);
    assert_eq!(server.get("/v1/settings/login", None), 401);
    assert_eq!(server.get("/v1/settings/login", Some("tfa_wrong")), 401);
    assert_eq!(server.proc.stdout().len(), 1, "the token is printed once");
}

#[test]
fn sigterm_shuts_down_gracefully_with_success() {
    let dir = TempDir::new("sigterm");
    let mut server = Server::start(&data_dir_args(&dir));
    assert_eq!(server.get("/healthz", None), 200);
    let status = server.proc.terminate();
    let stderr = server.proc.stderr();
    assert!(status.success(), "{status}; stderr:\n{stderr}");
    assert!(stderr.contains("twofold stopped"), "{stderr}");
}

#[test]
fn second_start_prints_no_token_and_keeps_the_master_key() {
    let dir = TempDir::new("restart");
    let mut first = Server::start(&data_dir_args(&dir));
    assert!(first.proc.terminate().success());
    assert_eq!(first.proc.stdout().len(), 1);
    let key = std::fs::read(dir.0.join("master.key")).unwrap();

    let mut second = Server::start(&data_dir_args(&dir));
    assert_eq!(second.get("/healthz", None), 200);
    assert!(second.proc.terminate().success());
    assert_eq!(second.proc.stdout(), Vec::<String>::new());
    assert_eq!(std::fs::read(dir.0.join("master.key")).unwrap(), key);
}

#[test]
fn admin_token_create_prints_a_working_token_alone() {
    let dir = TempDir::new("token");
    let create = [&["admin-token", "create"][..], &data_dir_args(&dir)].concat();
    let (status, stdout, stderr) = run(&create);
    assert!(status.success(), "{status}; stderr:\n{stderr}");
    assert_eq!(stdout.len(), 1, "{stdout:?}");
    let token = &stdout[0];
    assert!(token.starts_with("tfa_"), "{token}");

    let server = Server::start(&data_dir_args(&dir));
    assert_eq!(server.get("/v1/settings/login", Some(token)), 200);
}

#[test]
fn migrate_on_a_fresh_data_directory_succeeds() {
    let dir = TempDir::new("migrate");
    let (status, stdout, stderr) = run(&[&["migrate"][..], &data_dir_args(&dir)].concat());
    assert!(status.success(), "{status}; stderr:\n{stderr}");
    assert!(stdout.is_empty(), "{stdout:?}");
    assert!(dir.0.join("twofold.db").is_file());
}

#[test]
fn migrate_and_serve_on_a_postgres_schema_answer_health_and_readiness() {
    let Ok(url) = std::env::var("TWOFOLD_TEST_DATABASE_URL") else {
        eprintln!("skipped: TWOFOLD_TEST_DATABASE_URL not set; PostgreSQL is not tested here");
        return;
    };
    let dir = TempDir::new("postgres");
    let schema = unique("cli");
    let postgres = [
        &data_dir_args(&dir)[..],
        &["--database-url", &url, "--database-schema", &schema],
    ]
    .concat();
    let (status, _, stderr) = run(&[&["migrate"][..], &postgres].concat());
    assert!(status.success(), "{status}; stderr:\n{stderr}");

    let mut server = Server::start(&postgres);
    assert_eq!(server.get("/healthz", None), 200);
    assert_eq!(server.get("/readyz", None), 200);
    assert!(server.proc.terminate().success());
    assert!(
        !dir.0.join("twofold.db").exists(),
        "no SQLite file when on PostgreSQL"
    );
}

#[test]
fn unsupported_database_url_fails_with_a_clear_message_and_no_panic() {
    let dir = TempDir::new("bad");
    let bad = [
        &["serve"][..],
        &data_dir_args(&dir),
        &["--database-url", "mysql://x"],
    ]
    .concat();
    let (status, _, stderr) = run(&bad);
    assert!(!status.success(), "{status}");
    // The reason, not just "start-up failed: a dependency is unavailable".
    assert!(stderr.contains("database URL"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
