//! Waiting on a push (`checks.push.wait_seconds`, the long-poll), end to end with
//! `twofold push-device` as the device, on SQLite and (when TWOFOLD_TEST_DATABASE_URL is set)
//! PostgreSQL, where a second node shows that a wait on one node sees an answer given to the
//! other.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(
    clippy::disallowed_methods,
    reason = "the test measures how long a wait took on the wall clock"
)]

mod common;
mod push_env;

use std::time::{Duration, Instant};

use push_env::{Env, backends, device};
use serde_json::{Value, json};

/// A waiting check of `exchange` on the server at `base`, in the background: its status, body
/// and how long it took.
fn wait(
    env: &Env,
    base: &str,
    session: &(String, String),
    exchange: &str,
    seconds: u32,
) -> tokio::task::JoinHandle<(u16, Value, Duration)> {
    let http = env.http.clone();
    let url = format!("{base}/v1/sessions/{}", session.0);
    let body = json!({
        "session_token": session.1,
        "checks": {"push": {"exchange_id": exchange, "wait_seconds": seconds}},
    });
    tokio::spawn(async move {
        let started = Instant::now();
        let response = http.patch(url).json(&body).send().await.unwrap();
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body, started.elapsed())
    })
}

/// Lets a started wait reach the server before the device answers.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(500)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wait_ends_as_soon_as_the_device_approves_or_denies() {
    for backend in backends() {
        let env = Env::start(&backend).await;
        let (_, keys) = env.user_with_device("alice").await;
        let mut session = env.signed_in("alice").await;

        let (exchange, _) = env.push(&mut session).await;
        let waiting = wait(&env, &env.base, &session, &exchange, 20);
        settle().await;
        assert_eq!(
            device(&["deny", &exchange], &keys).unwrap()["state"],
            "denied"
        );
        let (status, body, took) = waiting.await.unwrap();
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("push_denied")),
            "{body}"
        );
        assert!(
            took < Duration::from_secs(5),
            "a denial ends the wait: {took:?}"
        );

        let (exchange, number) = env.push(&mut session).await;
        let waiting = wait(&env, &env.base, &session, &exchange, 20);
        settle().await;
        let approved = device(
            &["approve", &exchange, "--number", &number.to_string()],
            &keys,
        );
        assert_eq!(approved.unwrap()["state"], "approved");
        let (status, body, took) = waiting.await.unwrap();
        assert_eq!(status, 200, "{body}");
        assert!(
            took < Duration::from_secs(5),
            "an approval ends the wait: {took:?}"
        );
        assert!(body["checks"]["push"].is_object(), "{body}");
        assert_eq!(body["mfa"]["satisfied"], true, "{body}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wait_answers_pending_when_it_ends_and_code_expired_when_the_push_does() {
    for backend in backends() {
        let env = Env::start(&backend).await;
        let (_, keys) = env.user_with_device("bob").await;
        let mut session = env.signed_in("bob").await;
        let (exchange, number) = env.push(&mut session).await;

        let (status, body, took) = wait(&env, &env.base, &session, &exchange, 2).await.unwrap();
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("pending")),
            "{body}"
        );
        assert!(body["expires_at"].is_string(), "{body}");
        assert!(
            (Duration::from_secs(2)..Duration::from_secs(5)).contains(&took),
            "waited {took:?} for 2 s"
        );

        // The push expires 10 s after it was asked for: a longer wait ends then.
        let (status, body, took) = wait(&env, &env.base, &session, &exchange, 25)
            .await
            .unwrap();
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("code_expired")),
            "{body}"
        );
        assert!(
            took < Duration::from_secs(12),
            "the wait ended with the push: {took:?}"
        );
        let late = device(
            &["approve", &exchange, "--number", &number.to_string()],
            &keys,
        );
        assert!(late.unwrap_err().contains("code_expired"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wait_past_the_cap_is_refused_and_a_second_waiter_is_answered_at_once() {
    for backend in backends() {
        let env = Env::start(&backend).await;
        let (_, keys) = env.user_with_device("carol").await;
        let mut session = env.signed_in("carol").await;
        let (exchange, number) = env.push(&mut session).await;

        let (status, body, took) = wait(&env, &env.base, &session, &exchange, 26)
            .await
            .unwrap();
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("invalid_request")),
            "{body}"
        );
        assert!(body["detail"].as_str().unwrap().contains("25"), "{body}");
        assert!(took < Duration::from_secs(2), "{took:?}");

        // One waiter per user: the second request gets the poll's answer without waiting.
        let first = wait(&env, &env.base, &session, &exchange, 20);
        settle().await;
        let (status, body, took) = wait(&env, &env.base, &session, &exchange, 20)
            .await
            .unwrap();
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("pending")),
            "{body}"
        );
        assert!(
            took < Duration::from_secs(2),
            "the second waiter waited {took:?}"
        );

        let approved = device(
            &["approve", &exchange, "--number", &number.to_string()],
            &keys,
        );
        assert_eq!(approved.unwrap()["state"], "approved");
        let (status, body, _) = first.await.unwrap();
        assert_eq!(status, 200, "{body}");
        // The refused wait changed nothing: the session is the one the first wait advanced.
        session.1 = body["session_token"].as_str().unwrap().to_owned();
        let (status, body) = env.patch(&mut session, json!({})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["mfa"]["satisfied"], true, "{body}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wait_on_one_node_sees_an_answer_given_to_another() {
    // Two nodes need a shared database: PostgreSQL only.
    for backend in backends().into_iter().filter(|b| !b.is_empty()) {
        let env = Env::start(&backend).await;
        let (_server, other) = env.second_node(&backend);
        let (_, keys) = env.user_with_device("dave").await;
        let mut session = env.signed_in("dave").await;
        let (exchange, number) = env.push(&mut session).await;

        // The device talks to the first node (its enrolment URI names it); the screen waits on
        // the second, which learns of the answer by reading the exchange again.
        let waiting = wait(&env, &other, &session, &exchange, 20);
        settle().await;
        let approved = device(
            &["approve", &exchange, "--number", &number.to_string()],
            &keys,
        );
        assert_eq!(approved.unwrap()["state"], "approved");
        let (status, body, took) = waiting.await.unwrap();
        assert_eq!(status, 200, "{body}");
        assert!(
            took < Duration::from_secs(5),
            "the other node saw the answer late: {took:?}"
        );
    }
}
