//! The harness of the binary's tests: temp dirs, a spawned `twofold` with its output, a server
//! on a free port.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(
    clippy::disallowed_methods,
    reason = "the harness waits for the binary and names its files on the wall clock"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub const STARTUP: Duration = Duration::from_secs(30);
pub const SHUTDOWN: Duration = Duration::from_secs(5);

/// A fresh, unique directory name under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        TempDir(std::env::temp_dir().join(unique(&format!("twofold-cli-{label}"))))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}_{}_{nanos}_{n}", std::process::id())
}

/// A running `twofold` process with its output collected line by line; killed on drop.
pub struct Proc {
    pub child: Child,
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

/// `twofold <args>` with a clean TWOFOLD_* (and RUST_LOG) environment plus `env`, run from the
/// temp dir (so a stray default `./twofold-data` never lands in the repository).
pub fn twofold(args: &[&str], env: &[(&str, String)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_twofold"));
    for (name, _) in std::env::vars_os() {
        let name_text = name.to_string_lossy();
        if name_text.starts_with("TWOFOLD_") || name_text == "RUST_LOG" {
            command.env_remove(name);
        }
    }
    command
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("NO_COLOR", "1")
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null());
    command
}

/// The port of the server's "listening on http://127.0.0.1:PORT" line.
pub fn listening_port(stderr: &str) -> Option<u16> {
    let (_, rest) = stderr.split_once("listening on http://127.0.0.1:")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Proc {
    /// Starts `twofold <args>` with a clean TWOFOLD_* environment, run from the temp dir (so a
    /// stray default `./twofold-data` never lands in the repository).
    pub fn spawn(args: &[&str]) -> Proc {
        let mut child = twofold(args, &[("TWOFOLD_LOG", "info".to_owned())])
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

    pub fn stdout(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    /// Polls `ready` until it holds; fails if the process exits first or `timeout` passes.
    pub fn wait_until(&mut self, what: &str, timeout: Duration, ready: impl Fn(&Proc) -> bool) {
        poll(what, timeout, || match self.child.try_wait().unwrap() {
            _ if ready(self) => Some(()),
            Some(status) => panic!("exited ({status}) before {what}:\n{}", self.stderr()),
            None => None,
        });
    }

    /// Waits for the exit (at most `timeout`) and for all the output to be read.
    pub fn wait(&mut self, timeout: Duration) -> ExitStatus {
        let status = poll("the exit", timeout, || self.child.try_wait().unwrap());
        self.readers
            .drain(..)
            .for_each(|reader| reader.join().unwrap());
        status
    }

    /// SIGTERM, then the exit status.
    pub fn terminate(&mut self) -> ExitStatus {
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
pub fn poll<T>(what: &str, timeout: Duration, step: impl FnMut() -> Option<T>) -> T {
    poll_every(what, timeout, Duration::from_millis(20), step)
}

/// Calls `step` every `every` until it gives a value; fails after `timeout`.
pub fn poll_every<T>(
    what: &str,
    timeout: Duration,
    every: Duration,
    mut step: impl FnMut() -> Option<T>,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = step() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(every);
    }
}

/// `twofold <args>` run to completion (at most 30 s).
pub fn run(args: &[&str]) -> (ExitStatus, Vec<String>, String) {
    let mut proc = Proc::spawn(args);
    let status = proc.wait(STARTUP);
    (status, proc.stdout(), proc.stderr())
}

/// A running server on a free port.
pub struct Server {
    pub proc: Proc,
    pub port: u16,
}

impl Server {
    /// `twofold serve --listen 127.0.0.1:0 <args>`, once it logs the port it listens on. The
    /// server picks its own port: a port found free beforehand and bound later could be taken in
    /// between (by any outgoing connection on a busy machine), and the start would fail.
    pub fn start(args: &[&str]) -> Server {
        let mut proc = Proc::spawn(&[&["serve", "--listen", "127.0.0.1:0"], args].concat());
        proc.wait_until("the listening line", STARTUP, |p| {
            listening_port(&p.stderr()).is_some()
        });
        let port = listening_port(&proc.stderr()).unwrap();
        Server { proc, port }
    }

    /// The status code of `GET <path>`, with a bearer token when given.
    pub fn get(&self, path: &str, token: Option<&str>) -> u16 {
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

pub fn data_dir_args(data_dir: &TempDir) -> [&str; 2] {
    ["--data-dir", data_dir.0.to_str().unwrap()]
}
