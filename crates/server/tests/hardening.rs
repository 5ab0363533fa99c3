//! What an outside review asked of every response: security headers, no caching of secrets,
//! problems for every rejection, CORS for configured origins only, metrics off the public port.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use reqwest::Method;
use serde_json::json;
use support::oidc::{code_for, exchange, register, userinfo};
use support::{Resp, TestApp, apps, config, databases};

fn assert_security_headers(resp: &Resp, what: &str) {
    assert_eq!(resp.headers["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(resp.headers["referrer-policy"], "no-referrer", "{what}");
}

fn assert_no_store(resp: &Resp, what: &str) {
    assert_eq!(
        resp.headers
            .get("cache-control")
            .map(|v| v.to_str().unwrap()),
        Some("no-store"),
        "{what}: {:?}",
        resp.headers
    );
}

#[tokio::test]
async fn successes_and_errors_carry_the_security_headers_and_hsts_only_behind_https() {
    for app in apps().await {
        let ok = app.request(Method::GET, "/healthz", None, None).await;
        assert_eq!(ok.status, 200);
        assert_security_headers(&ok, "a success");
        assert!(ok.headers.get("strict-transport-security").is_none());
        let missing = app.request(Method::GET, "/nowhere", None, None).await;
        assert_security_headers(&missing, "an error");
        assert_no_store(&missing, "an error");
        missing.problem("not_found");
    }
    for database in databases() {
        let mut config = config(database);
        config.public_url = Some("https://id.example.com".to_owned());
        let app = TestApp::spawn_with("https", config).await;
        let ok = app.request(Method::GET, "/healthz", None, None).await;
        assert_eq!(ok.headers["strict-transport-security"], "max-age=31536000");
        let refused = app.request(Method::GET, "/v1/users/x", None, None).await;
        assert_eq!(
            refused.headers["strict-transport-security"],
            "max-age=31536000"
        );
    }
}

#[tokio::test]
async fn responses_with_secrets_are_never_stored_and_the_discovery_document_may_be() {
    for app in apps().await {
        let mut alice = app.user("alice", json!({})).await;
        let user = app.admin_get(&format!("/v1/users/{}", alice.id)).await;
        assert_no_store(&user, "user data");
        let totp = app
            .admin_post(&format!("/v1/users/{}/totp", alice.id), json!({}))
            .await;
        assert_eq!(totp.status, 201);
        assert_no_store(&totp, "TOTP enrolment (seed and QR)");
        app.enrol_totp(&mut alice, Some("second")).await;
        let backup = app
            .admin_post(&format!("/v1/users/{}/backup-codes", alice.id), json!({}))
            .await;
        assert!(backup.body["codes"].is_array(), "{backup:?}");
        assert_no_store(&backup, "backup codes");
        let created_app = app
            .admin_post(
                "/v1/apps",
                json!({"name": "Portal", "redirect_uris": ["https://app.example.com/cb"]}),
            )
            .await;
        assert!(created_app.body["client_secret"].is_string());
        assert_no_store(&created_app, "a new app's client secret");
        let bob = app.user("bob", json!({})).await;
        let session = app
            .start_session(
                json!({"user": {"login_name": "bob"}, "password": {"password": support::PASSWORD}}),
            )
            .await;
        assert!(session.body["session_token"].is_string());
        assert_no_store(&session, "a new session's token");

        let client = register(&app, json!({})).await;
        let code = code_for(&app, &client, &bob).await;
        let tokens = exchange(&app, &client, &code).await.ok();
        let info = userinfo(&app, tokens["access_token"].as_str().unwrap()).await;
        assert_eq!(info.status, 200);
        assert_no_store(&info, "userinfo");

        let discovery = app
            .request(Method::GET, "/.well-known/openid-configuration", None, None)
            .await;
        assert_eq!(discovery.headers["cache-control"], "public, max-age=300");
        assert_security_headers(&discovery, "the discovery document");
    }
}

#[tokio::test]
async fn extractor_rejections_anywhere_are_problems_not_text() {
    for app in apps().await {
        let admin = Some(app.admin.as_str());
        let cases = [
            (Method::GET, "/v1/users/%FF%FE", admin),
            (Method::PATCH, "/v1/apps/%FF", admin),
            (Method::DELETE, "/v1/users/%C3%28/authenticators/%FF", admin),
            (Method::GET, "/v1/auth-requests/%FF", None),
            (Method::GET, "/v1/events?limit=many", admin),
        ];
        for (method, path, token) in cases {
            let resp = app.request(method.clone(), path, token, None).await;
            assert_eq!(resp.status, 400, "{method} {path}: {resp:?}");
            assert_eq!(
                resp.headers["content-type"], "application/problem+json",
                "{method} {path}: {resp:?}"
            );
            resp.problem("invalid_request");
        }
        // Credentials are asked for first here; whatever answers, it is a problem.
        app.request(Method::GET, "/v1/sessions/%FF%FE", None, None)
            .await
            .problem("unauthorized");
        let form = app
            .raw(
                Method::POST,
                "/v1/users",
                "application/x-www-form-urlencoded",
                "a=b",
            )
            .await;
        form.problem("invalid_request");
    }
}

#[tokio::test]
async fn metrics_are_not_on_the_public_port_and_answer_on_their_own_listener() {
    for database in databases() {
        let mut config = config(database);
        let metrics = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let metrics_url = format!("http://{}/metrics", metrics.local_addr().unwrap());
        config.http.metrics_listen = Some(metrics.local_addr().unwrap());
        let prepared = twofold_server::app::prepare(&config).await.unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = tokio::spawn(twofold_server::app::serve_metrics(
            metrics,
            prepared.state,
            async {
                let _ = stopped.await;
            },
        ));
        let scraped = reqwest::get(&metrics_url).await.unwrap();
        assert_eq!(scraped.status(), 200);
        assert_eq!(scraped.headers()["x-content-type-options"], "nosniff");
        assert!(
            scraped
                .text()
                .await
                .unwrap()
                .contains("twofold_events_total")
        );
        stop.send(()).unwrap();
        served.await.unwrap();
        let _ = std::fs::remove_dir_all(&config.data_dir);
    }
    for app in apps().await {
        app.request(Method::GET, "/metrics", None, None)
            .await
            .problem("not_found");
    }
}

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.http
        .request(Method::OPTIONS, format!("{}/v1/sessions", app.base))
        .header("origin", origin)
        .header("access-control-request-method", "PATCH")
        .header(
            "access-control-request-headers",
            "content-type, authorization, twofold-device-token",
        )
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn cors_answers_configured_origins_only() {
    for database in databases() {
        let mut config = config(database);
        config.http.cors_origins = vec!["https://login.example.com".to_owned()];
        let app = TestApp::spawn_with("cors", config).await;
        let allowed = preflight(&app, "https://login.example.com").await;
        assert!(allowed.status().is_success(), "{allowed:?}");
        let headers = allowed.headers();
        assert_eq!(
            headers["access-control-allow-origin"],
            "https://login.example.com"
        );
        let methods = headers["access-control-allow-methods"].to_str().unwrap();
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            assert!(methods.contains(method), "{methods}");
        }
        let allowed_headers = headers["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase();
        for header in ["content-type", "authorization", "twofold-device-token"] {
            assert!(allowed_headers.contains(header), "{allowed_headers}");
        }
        assert!(headers.get("access-control-allow-credentials").is_none());

        let other = preflight(&app, "https://evil.example.com").await;
        assert!(
            other.headers().get("access-control-allow-origin").is_none(),
            "{other:?}"
        );
        assert!(
            other
                .headers()
                .get("access-control-allow-methods")
                .is_none()
        );

        let simple = app
            .http
            .get(format!("{}/healthz", app.base))
            .header("origin", "https://login.example.com")
            .send()
            .await
            .unwrap();
        assert_eq!(
            simple.headers()["access-control-allow-origin"],
            "https://login.example.com"
        );
    }
    // No origins configured: no CORS at all.
    let app = TestApp::spawn("sqlite", None).await;
    let none = preflight(&app, "https://login.example.com").await;
    assert!(none.headers().get("access-control-allow-origin").is_none());
}
