//! Every kind of bad input gets a 4xx problem and changes nothing; a lost database gets 503.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use reqwest::Method;
use serde_json::json;
use support::{TestApp, apps};

/// What the store holds that a refused request must not change.
async fn footprint(app: &TestApp) -> (usize, serde_json::Value) {
    (
        app.events("").await.len(),
        app.admin_get("/v1/settings/login").await.ok(),
    )
}

#[tokio::test]
async fn malformed_bodies_are_refused_and_change_nothing() {
    for app in apps().await {
        let before = footprint(&app).await;
        let json = "application/json";
        let cases: Vec<(&str, &str, String)> = vec![
            ("/v1/users", json, "{\"username\": \"al".to_owned()),
            ("/v1/users", json, "not json".to_owned()),
            ("/v1/users", json, "".to_owned()),
            ("/v1/users", json, "{\"username\": 42}".to_owned()),
            (
                "/v1/users",
                json,
                "{\"username\": \"al\", \"is_admin\": true}".to_owned(),
            ),
            ("/v1/users", json, "[1, 2]".to_owned()),
            (
                "/v1/users",
                "text/plain",
                "{\"username\": \"al\"}".to_owned(),
            ),
            (
                "/v1/users",
                json,
                "{\"username\": \"al\", \"required_factors\": [\"sms\"]}".to_owned(),
            ),
            (
                "/v1/users",
                json,
                "{\"username\": \"al\", \"password\": \"password1\"}".to_owned(),
            ),
            (
                "/v1/users",
                json,
                "{\"username\": \"al\", \"email\": \"not-an-email\"}".to_owned(),
            ),
            (
                "/v1/users",
                json,
                "{\"username\": \"al\", \"phone\": \"12\"}".to_owned(),
            ),
            ("/v1/users", json, "{\"username\": \"\"}".to_owned()),
            (
                "/v1/sessions",
                json,
                "{\"checks\": {\"password\": {\"password\": \"x\"}}}".to_owned(),
            ),
            (
                "/v1/sessions",
                json,
                "{\"checks\": {\"user\": {}}}".to_owned(),
            ),
            (
                "/v1/sessions",
                json,
                "{\"checks\": {\"fingerprint\": {}}}".to_owned(),
            ),
            (
                "/v1/sessions",
                json,
                "{\"checks\": {\"webauthn\": {\"credential_assertion\": 42}}}".to_owned(),
            ),
            (
                "/v1/sessions",
                json,
                "{\"challenges\": {\"webauthn\": {\"user_verification\": \"always\"}}}".to_owned(),
            ),
            (
                "/v1/sessions",
                json,
                "{\"challenges\": {\"otp_email\": {\"colour\": 1}}}".to_owned(),
            ),
            (
                "/v1/sessions",
                json,
                "{\"challenges\": {\"otp_email\": {\"return_code\": \"yes\"}}}".to_owned(),
            ),
            (
                "/v1/sessions",
                json,
                format!(
                    "{{\"checks\": {{\"user\": {{\"login_name\": \"{}\"}}}}}}",
                    "a".repeat(300)
                ),
            ),
        ];
        for (path, content_type, body) in cases {
            let resp = app
                .raw(Method::POST, path, content_type, body.clone())
                .await;
            // Only a body that is not JSON at all is refused for its media type.
            let expected = if content_type == json { 400 } else { 415 };
            assert_eq!(resp.status, expected, "{path} {body}: {resp:?}");
            resp.problem("invalid_request");
        }
        let settings_cases = [
            json!({"mfa": {"mode": "sometimes"}}),
            json!({"mfa": {"require": {"anyOf": ["totp"]}}}),
            json!({"mfa": {"require": "otp-sms"}}),
            json!({"lockout": {"max_attempts": 0}}),
            json!({"password_check_lifetime": -5}),
            json!({"second_factors": ["password"]}),
            json!({"colour": "blue"}),
        ];
        for body in settings_cases {
            let refused = app
                .admin_put("/v1/settings/login", body.clone())
                .await
                .problem("invalid_request");
            assert!(!refused["detail"].as_str().unwrap().is_empty(), "{body}");
        }
        assert_eq!(
            footprint(&app).await,
            before,
            "refused requests changed something on {}",
            app.backend
        );
    }
}

#[tokio::test]
async fn a_requirement_error_says_where_and_why() {
    for app in apps().await {
        let body = json!({"second_factors": ["totp", "backup-code"], "mfa": {"require": {"oneOf": ["totp", {"allOf": [3]}]}}});
        let refused = app
            .admin_put("/v1/settings/login", body)
            .await
            .problem("invalid_request");
        let detail = refused["detail"].as_str().unwrap();
        assert!(detail.contains("oneOf[1].allOf[0]"), "{detail}");
    }
}

#[tokio::test]
async fn an_oversized_body_is_refused_before_it_is_read() {
    for app in apps().await {
        let huge = format!("{{\"username\": \"{}\"}}", "a".repeat(200 * 1024));
        let resp = app
            .raw(Method::POST, "/v1/users", "application/json", huge)
            .await;
        assert_eq!(resp.status, 413);
        resp.problem("invalid_request");
    }
}

#[tokio::test]
async fn missing_wrong_and_misplaced_credentials_are_unauthorized() {
    for app in apps().await {
        for token in [
            None,
            Some("tfa_not-a-real-token"),
            Some("tfs_not-a-real-token"),
            Some("garbage"),
        ] {
            app.request(Method::GET, "/v1/settings/login", token, None)
                .await
                .problem("unauthorized");
        }
        let alice = app.user("alice", json!({})).await;
        let session = app.sign_in_with_password(&alice).await;
        // A session token is not an admin token.
        app.request(
            Method::GET,
            &format!("/v1/users/{}", alice.id),
            Some(&session.token),
            None,
        )
        .await
        .problem("unauthorized");
        app.request(Method::GET, "/v1/events", Some(&session.token), None)
            .await
            .problem("unauthorized");
    }
}

#[tokio::test]
async fn unknown_ids_routes_and_methods_are_problems_too() {
    for app in apps().await {
        app.admin_get("/v1/users/nope").await.problem("not_found");
        app.admin_patch("/v1/users/nope", json!({"mfa_enabled": true}))
            .await
            .problem("not_found");
        app.admin_delete("/v1/users/nope")
            .await
            .problem("not_found");
        app.admin_post("/v1/users/nope/unlock", json!({}))
            .await
            .problem("not_found");
        app.admin_post("/v1/users/nope/totp", json!({}))
            .await
            .problem("not_found");
        app.admin_get("/v1/sessions/nope")
            .await
            .problem("not_found");
        app.admin_get("/v1/nothing-here").await.problem("not_found");
        app.request(
            Method::PATCH,
            "/v1/sessions/nope",
            None,
            Some(json!({"session_token": "tfs_x"})),
        )
        .await
        .problem("not_found");
        let resp = app
            .request(Method::PUT, "/v1/users", Some(&app.admin), Some(json!({})))
            .await;
        assert_eq!(resp.status, 405);
        resp.problem("invalid_request");
        app.admin_get("/v1/events?limit=0")
            .await
            .problem("invalid_request");
        app.admin_get("/v1/events?after=abc")
            .await
            .problem("invalid_request");
        app.admin_get("/v1/events?type=made.up")
            .await
            .problem("invalid_request");
        app.admin_get("/v1/events?colour=blue")
            .await
            .problem("invalid_request");
    }
}

#[tokio::test]
async fn health_answers_and_readiness_follows_the_database() {
    let Some(url) = support::postgres_url() else {
        // The SQLite store is a file inside the process: it cannot go away on its own.
        let app = TestApp::spawn("sqlite", None).await;
        assert_eq!(
            app.request(Method::GET, "/readyz", None, None).await.ok()["status"],
            "ready"
        );
        return;
    };
    let upstream: std::net::SocketAddr = {
        let parsed = reqwest::Url::parse(&url).unwrap();
        let host = parsed.host_str().unwrap().to_owned();
        tokio::net::lookup_host((host, parsed.port().unwrap_or(5432)))
            .await
            .unwrap()
            .next()
            .unwrap()
    };
    let relay = support::proxy::Relay::start(upstream).await;
    let mut through = reqwest::Url::parse(&url).unwrap();
    through.set_port(Some(relay.addr.port())).unwrap();
    through.set_host(Some("127.0.0.1")).unwrap();
    let app = TestApp::spawn("postgres", Some(through.to_string())).await;
    let alice = app.user("alice", json!({})).await;

    relay.cut();
    assert_eq!(
        app.request(Method::GET, "/healthz", None, None).await.ok()["status"],
        "ok"
    );
    app.request(Method::GET, "/readyz", None, None)
        .await
        .problem("unavailable");
    let down = app
        .start_session(json!({"user": {"login_name": "alice"}}))
        .await;
    assert_eq!(down.status, 503);
    let body = down.problem("unavailable");
    assert!(
        !body["detail"].as_str().unwrap().contains("127.0.0.1"),
        "internals stay inside: {body}"
    );
    app.admin_post("/v1/users", json!({"username": "bob"}))
        .await
        .problem("unavailable");

    relay.restore();
    let mut ready = app.request(Method::GET, "/readyz", None, None).await;
    for _ in 0..20 {
        if ready.status == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        ready = app.request(Method::GET, "/readyz", None, None).await;
    }
    assert_eq!(ready.status, 200);
    app.sign_in_with_password(&alice).await;
    app.admin_get("/v1/users/nope").await.problem("not_found");
    assert!(
        app.admin_post("/v1/users", json!({"username": "bob"}))
            .await
            .status
            == 201,
        "nothing half-made blocks a retry"
    );
}
