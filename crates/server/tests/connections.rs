//! Slow clients cannot hold the server: a request head must arrive within the header timeout,
//! a body within the body timeout, and beyond the connection cap new connections wait.
//! The timeouts are set short here; the assertions are about what a client sees.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use support::{TestApp, config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Far longer than any timeout configured here: reaching it means the server never let go.
const NEVER: Duration = Duration::from_secs(15);

async fn app_with(change: impl FnOnce(&mut twofold_server::config::HttpConfig)) -> TestApp {
    let mut config = config(None);
    change(&mut config.http);
    TestApp::spawn_with("sqlite", config).await
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Everything the server sends until it closes the connection.
async fn until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let read = tokio::time::timeout(NEVER, stream.read_to_end(&mut received)).await;
    assert!(read.is_ok(), "the server kept the connection open");
    String::from_utf8_lossy(&received).into_owned()
}

/// One keep-alive request; the response head and body as text.
async fn get_healthz(stream: &mut TcpStream) -> String {
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = vec![0; 4096];
    let n = stream.read(&mut buffer).await.unwrap();
    String::from_utf8_lossy(&buffer[..n]).into_owned()
}

#[tokio::test]
async fn half_a_header_is_cut_off_after_the_header_timeout() {
    let app = app_with(|http| http.header_timeout = Duration::from_millis(300)).await;
    let mut slow: Vec<TcpStream> = Vec::new();
    for _ in 0..20 {
        let mut stream = connect(&app).await;
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(stream);
    }
    for stream in &mut slow {
        let answer = until_closed(stream).await;
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
            "{answer}"
        );
    }
    // The server still answers whoever sends a whole request.
    assert!(
        get_healthz(&mut connect(&app).await)
            .await
            .starts_with("HTTP/1.1 200")
    );
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_too() {
    let app = app_with(|http| http.header_timeout = Duration::from_millis(300)).await;
    let mut stream = connect(&app).await;
    assert!(get_healthz(&mut stream).await.starts_with("HTTP/1.1 200"));
    let rest = until_closed(&mut stream).await;
    assert!(
        rest.is_empty() || rest.starts_with("HTTP/1.1 408"),
        "{rest}"
    );
}

#[tokio::test]
async fn a_body_that_trickles_past_the_body_timeout_gets_408_and_the_connection_closes() {
    let app = app_with(|http| http.body_timeout = Duration::from_millis(500)).await;
    let stream = connect(&app).await;
    let (mut reader, mut writer) = stream.into_split();
    writer
        .write_all(
            b"POST /v1/sessions HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{",
        )
        .await
        .unwrap();
    // A byte every 100 ms: never silent for long, never done in time.
    let trickle = tokio::spawn(async move {
        for _ in 0..150 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if writer.write_all(b" ").await.is_err() {
                break;
            }
        }
    });
    let mut received = Vec::new();
    let read = tokio::time::timeout(NEVER, reader.read_to_end(&mut received)).await;
    trickle.abort();
    assert!(read.is_ok(), "the server kept reading the body");
    let answer = String::from_utf8_lossy(&received);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
}

#[tokio::test]
async fn beyond_the_connection_cap_a_client_waits_until_a_connection_ends() {
    let app = app_with(|http| http.max_connections = 2).await;
    let mut first = connect(&app).await;
    let mut second = connect(&app).await;
    assert!(get_healthz(&mut first).await.starts_with("HTTP/1.1 200"));
    assert!(get_healthz(&mut second).await.starts_with("HTTP/1.1 200"));

    let mut third = connect(&app).await;
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = vec![0; 4096];
    let early = tokio::time::timeout(Duration::from_millis(700), third.read(&mut buffer)).await;
    assert!(early.is_err(), "answered beyond the cap: {early:?}");

    drop(first);
    let n = tokio::time::timeout(NEVER, third.read(&mut buffer))
        .await
        .expect("served once a connection ended")
        .unwrap();
    assert!(String::from_utf8_lossy(&buffer[..n]).starts_with("HTTP/1.1 200"));
    assert!(get_healthz(&mut second).await.starts_with("HTTP/1.1 200"));
}
