//! Email goes out over SMTP to a real SMTP server (Python's smtpd), not a mock of lettre.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use twofold_core::secrets::SecretString;
use twofold_delivery::{
    CodeMessage, DeliveryError, Destination, MessagePurpose, Sender, SmtpSender,
};

struct Sink {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_sink(reject: Option<&str>) -> Sink {
    let port = free_port();
    let dir = std::env::temp_dir().join(format!("twofold_smtp_{}_{port}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/smtp_sink.py");
    let mut command = Command::new("python3");
    command
        .arg(script)
        .arg(port.to_string())
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(reject) = reject {
        command.arg(reject);
    }
    let mut child = command.spawn().expect("python3 runs the SMTP sink");
    let mut ready = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut ready)
        .unwrap();
    assert_eq!(ready.trim(), format!("ready {port}"));
    Sink { child, port, dir }
}

fn message(to: &str, language: Option<&str>) -> CodeMessage {
    CodeMessage {
        to: Destination::Email(to.to_owned()),
        code: SecretString::new("604183".to_owned()),
        purpose: MessagePurpose::SignIn,
        valid_for_seconds: 300,
        exchange_id: "x1".to_owned(),
        language: language.map(str::to_owned),
    }
}

async fn received(sink: &Sink) -> (String, String) {
    for _ in 0..100 {
        let eml = sink.dir.join("1.eml");
        if eml.exists() {
            return (
                std::fs::read_to_string(eml).unwrap(),
                std::fs::read_to_string(sink.dir.join("1.rcpt")).unwrap(),
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no message arrived");
}

#[tokio::test]
async fn a_code_arrives_with_a_plain_text_and_an_html_part() {
    let sink = start_sink(None);
    let sender = SmtpSender::new(
        &format!("smtp://127.0.0.1:{}", sink.port),
        "Twofold <no-reply@example.com>",
    )
    .unwrap();
    sender
        .send(&message("alice@example.com", Some("de")))
        .await
        .unwrap();
    let (eml, rcpt) = received(&sink).await;
    assert_eq!(rcpt.trim(), "alice@example.com");
    assert!(
        eml.contains("From: Twofold <no-reply@example.com>"),
        "{eml}"
    );
    assert!(
        eml.contains("multipart/alternative")
            && eml.contains("text/plain")
            && eml.contains("text/html")
    );
    assert!(eml.contains("604183"));
    assert!(
        eml.contains("Subject: Ihr Code") || eml.contains("Subject: =?utf-8?"),
        "{eml}"
    );
}

#[tokio::test]
async fn a_refusing_server_is_a_refusal_and_a_missing_one_is_unavailable() {
    let sink = start_sink(Some("bounce@example.com"));
    let sender = SmtpSender::new(
        &format!("smtp://127.0.0.1:{}", sink.port),
        "no-reply@example.com",
    )
    .unwrap();
    let refused = sender.send(&message("bounce@example.com", None)).await;
    assert!(
        matches!(refused, Err(DeliveryError::Refused(_))),
        "{refused:?}"
    );

    let nobody = SmtpSender::new(
        &format!("smtp://127.0.0.1:{}", free_port()),
        "no-reply@example.com",
    )
    .unwrap();
    let down = nobody.send(&message("alice@example.com", None)).await;
    assert!(
        matches!(down, Err(DeliveryError::Unavailable(_))),
        "{down:?}"
    );
}

#[test]
fn bad_configuration_is_said_clearly() {
    assert!(matches!(
        SmtpSender::new("smtp://127.0.0.1:25", "not an address"),
        Err(DeliveryError::Config(_))
    ));
    assert!(matches!(
        SmtpSender::new("ftp://host", "a@example.com"),
        Err(DeliveryError::Config(_))
    ));
}
