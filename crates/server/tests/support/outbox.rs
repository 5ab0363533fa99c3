//! Where codes land in tests: a real SMTP server (Python's smtpd, from the delivery crate's
//! fixtures) and a real HTTP listener standing in for the SMS gateway.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::Value;

pub struct Outbox {
    smtp: Child,
    pub smtp_port: u16,
    mail_dir: PathBuf,
    pub sms_url: String,
    sms: Arc<Mutex<Vec<Value>>>,
    /// Status the SMS gateway answers with.
    sms_status: Arc<Mutex<u16>>,
}

impl Drop for Outbox {
    fn drop(&mut self) {
        let _ = self.smtp.kill();
        let _ = self.smtp.wait();
        let _ = std::fs::remove_dir_all(&self.mail_dir);
    }
}

#[derive(Clone)]
struct Gateway {
    seen: Arc<Mutex<Vec<Value>>>,
    status: Arc<Mutex<u16>>,
}

async fn receive(State(gateway): State<Gateway>, body: String) -> StatusCode {
    gateway
        .seen
        .lock()
        .unwrap()
        .push(serde_json::from_str(&body).unwrap_or(Value::Null));
    StatusCode::from_u16(*gateway.status.lock().unwrap()).unwrap()
}

impl Outbox {
    pub async fn start() -> Outbox {
        let mail_dir = std::env::temp_dir().join(super::unique("twofold_mail"));
        std::fs::create_dir_all(&mail_dir).unwrap();
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../delivery/tests/fixtures/smtp_sink.py"
        );
        let mut smtp = Command::new("python3")
            .arg(script)
            // The sink binds a port the system picks and says which: a port found free here
            // and bound later may be taken in between on a busy machine.
            .arg("0")
            .arg(&mail_dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs the SMTP sink");
        let mut ready = String::new();
        BufReader::new(smtp.stdout.take().unwrap())
            .read_line(&mut ready)
            .unwrap();
        let smtp_port: u16 = ready
            .trim()
            .strip_prefix("ready ")
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("the SMTP sink did not start: {ready:?}"));

        let gateway = Gateway {
            seen: Arc::default(),
            status: Arc::new(Mutex::new(200)),
        };
        let app = Router::new()
            .route("/sms", post(receive))
            .with_state(gateway.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sms_url = format!("http://{}/sms", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Outbox {
            smtp,
            smtp_port,
            mail_dir,
            sms_url,
            sms: gateway.seen,
            sms_status: gateway.status,
        }
    }

    pub fn sms_gateway_answers(&self, status: u16) {
        *self.sms_status.lock().unwrap() = status;
    }

    pub fn sms_count(&self) -> usize {
        self.sms.lock().unwrap().len()
    }

    /// The code of the newest SMS, and the number it went to.
    pub fn last_sms(&self) -> (String, String) {
        let seen = self.sms.lock().unwrap();
        let last = seen.last().expect("an SMS was sent");
        (
            digits_after_colon(last["message"].as_str().unwrap()),
            last["to"].as_str().unwrap().to_owned(),
        )
    }

    pub fn last_sms_text(&self) -> String {
        self.sms.lock().unwrap().last().expect("an SMS was sent")["message"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub fn email_count(&self) -> usize {
        std::fs::read_dir(&self.mail_dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "eml")
            })
            .count()
    }

    /// Waits for the `n`th email (1-based) and returns its code and recipient.
    pub async fn email(&self, n: usize) -> (String, String) {
        let path = self.mail_dir.join(format!("{n}.eml"));
        for _ in 0..200 {
            if path.exists() {
                let eml = std::fs::read_to_string(&path).unwrap();
                let rcpt =
                    std::fs::read_to_string(self.mail_dir.join(format!("{n}.rcpt"))).unwrap();
                // The code stands alone on a line of the plain-text part (never in the subject).
                let code = eml
                    .lines()
                    .map(str::trim)
                    .find(|l| l.len() >= 4 && l.bytes().all(|b| b.is_ascii_digit()))
                    .unwrap_or_else(|| panic!("no code in {eml}"));
                return (code.to_owned(), rcpt.trim().to_owned());
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("email {n} never arrived");
    }
}

/// `Your code to sign in: 123456. Valid…` → `123456`.
fn digits_after_colon(text: &str) -> String {
    text.rsplit(": ")
        .next()
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}
