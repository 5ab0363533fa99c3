//! The real `twofold serve` as a child process, its output collected for the search.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::common::{listening_port, twofold};
use super::{SMS_TOKEN, SMTP_PASSWORD, SMTP_USER};

pub struct Server {
    child: Child,
    pub output: Arc<Mutex<String>>,
    pub port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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

/// `twofold serve` on a port it picks (read from its listening line).
pub fn serve(storage: &[(&str, String)], smtp: u16, sms: u16) -> Server {
    let mut env = storage.to_vec();
    env.extend([
        (
            "TWOFOLD_SMTP_URL",
            format!("smtp://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{smtp}"),
        ),
        ("TWOFOLD_EMAIL_FROM", "no-reply@example.com".to_owned()),
        (
            "TWOFOLD_SMS_GATEWAY_URL",
            format!("http://127.0.0.1:{sms}/send"),
        ),
        ("TWOFOLD_SMS_GATEWAY_TOKEN", SMS_TOKEN.to_owned()),
    ]);
    let mut child = twofold(&["serve", "--listen", "127.0.0.1:0"], &env)
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
    Server {
        child,
        output,
        port,
    }
}
