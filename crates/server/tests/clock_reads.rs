//! The server reads its clock once per request: the token that authenticates a request, the
//! lock it checks and the events it writes are all judged at the same second. Read twice, a
//! request could be let in by a session token still valid at the first reading and then refused
//! — or answered as expired — by a flow reading the next second.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use reqwest::Method;
use serde_json::{Value, json};
use support::{TestApp, apps};

/// `method path` with `token` and `body`; asserts it read the server's clock exactly once.
async fn reads_once(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> support::Resp {
    let before = app.clock_reads();
    let resp = app.request(method.clone(), path, token, body).await;
    let reads = app.clock_reads() - before;
    assert_eq!(
        reads, 1,
        "{method} {path} ({}) read the clock {reads} times",
        resp.status
    );
    resp
}

#[tokio::test]
async fn every_request_reads_the_server_clock_once() {
    for app in apps().await {
        let alice = app.user_with_totp("alice").await;
        let admin = app.admin.clone();
        let login = json!({"checks": {"user": {"login_name": "alice"},
                                      "password": {"password": support::PASSWORD}}});
        let created = reads_once(&app, Method::POST, "/v1/sessions", None, Some(login)).await;
        let mut session = support::Session::from(&created.created());
        let path = format!("/v1/sessions/{}", session.id);

        // A wrong code with the admin token riding along: the token and the check, one reading.
        let wrong = json!({"session_token": session.token, "checks": {"totp": {"code": "000000"}}});
        let refused = reads_once(&app, Method::PATCH, &path, Some(&admin), Some(wrong)).await;
        assert_eq!(refused.status, 401, "{:?}", refused.body);

        let right = json!({"session_token": session.token,
                           "checks": {"totp": {"code": alice.totp_now()}}});
        let passed = reads_once(&app, Method::PATCH, &path, None, Some(right)).await;
        session.token = passed.ok()["session_token"].as_str().unwrap().to_owned();

        reads_once(&app, Method::GET, &path, Some(&session.token), None)
            .await
            .ok();
        reads_once(&app, Method::GET, &path, Some(&admin), None)
            .await
            .ok();
        let mfa = format!("{path}/mfa");
        reads_once(&app, Method::GET, &mfa, Some(&session.token), None)
            .await
            .ok();
        let user = format!("/v1/users/{}", alice.id);
        reads_once(&app, Method::GET, &user, Some(&admin), None)
            .await
            .ok();
        reads_once(&app, Method::GET, "/oauth/jwks", None, None)
            .await
            .ok();
        reads_once(&app, Method::DELETE, &path, Some(&session.token), None).await;
    }
}
