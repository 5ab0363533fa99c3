//! TOTP as a passwordless first factor (seed 002), and the sign-in methods a login screen asks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use support::{Session, TestApp, apps, oidc};

async fn enable(app: &TestApp) {
    app.settings(json!({"first_factors": ["password", "totp"]}))
        .await;
}

fn user_and_code(name: &str, code: &str) -> Value {
    json!({"user": {"login_name": name}, "totp": {"code": code}})
}

#[tokio::test]
async fn a_totp_code_signs_in_without_a_password_only_where_enabled() {
    for app in apps().await {
        let alice = app.user_with_totp("alice").await;
        // Off by default: TOTP is a second factor only.
        app.start_session(user_and_code("alice", &alice.totp_now()))
            .await
            .problem("invalid_request");
        enable(&app).await;
        let signed_in = app
            .start_session(user_and_code("alice", &alice.totp_now()))
            .await
            .created();
        assert_eq!(signed_in["user_id"], alice.id, "on {}", app.backend);
        assert!(signed_in["checks"].get("totp").is_some(), "{signed_in}");
        assert!(signed_in["checks"].get("password").is_none(), "{signed_in}");
        // The same code again: replayed, in a session of its own as well.
        app.start_session(user_and_code("alice", &alice.totp_now()))
            .await
            .problem("replayed_code");
        // A wrong code for a known name and any code for an unknown one answer alike: the
        // replay counted as alice's first failure, so her second meets nobody's second.
        let known = app
            .start_session(user_and_code("alice", "000000"))
            .await
            .problem("invalid_code");
        let mut unknown = Value::Null;
        for _ in 0..2 {
            unknown = app
                .start_session(user_and_code("nobody", "000000"))
                .await
                .problem("invalid_code");
        }
        assert_eq!(
            known["attempts_left"], unknown["attempts_left"],
            "{known} {unknown}"
        );
    }
}

#[tokio::test]
async fn first_factor_codes_are_throttled_per_source_and_lock_the_name() {
    for app in apps().await {
        let alice = app.user_with_totp("alice").await;
        enable(&app).await;
        app.settings(json!({"lockout": {"per_source": {"free_attempts": 2}}}))
            .await;
        for name in ["alice", "nobody"] {
            for _ in 0..2 {
                app.start_session(user_and_code(name, "000000"))
                    .await
                    .problem("invalid_code");
            }
            // The source waits now: refused before it is evaluated, even the right code.
            let code = alice.totp_now();
            let waiting = app.start_session(user_and_code(name, &code)).await;
            assert_eq!(
                waiting.status, 429,
                "{name} on {}: {waiting:?}",
                app.backend
            );
            waiting.problem("rate_limited");
        }
    }
    for app in apps().await {
        let alice = app.user_with_totp("alice").await;
        enable(&app).await;
        app.settings(json!({"lockout": {"password_max_attempts": 2}}))
            .await;
        for _ in 0..2 {
            let _ = app.start_session(user_and_code("alice", "000000")).await;
        }
        // The name is locked for everyone: a right code is refused too.
        app.start_session(user_and_code("alice", &alice.totp_now()))
            .await
            .problem("locked");
    }
}

#[tokio::test]
async fn the_sign_in_methods_are_the_same_for_every_name() {
    for app in apps().await {
        app.user_with_totp("alice").await;
        let methods = |name: &'static str| {
            let app = &app;
            async move {
                app.request(
                    reqwest::Method::GET,
                    &format!("/v1/sign-in-methods?login_name={name}"),
                    None,
                    None,
                )
                .await
                .ok()
            }
        };
        let before = methods("alice").await;
        assert_eq!(before, json!({"first_factors": ["password"]}));
        enable(&app).await;
        let known = methods("alice").await;
        assert_eq!(known, json!({"first_factors": ["password", "totp"]}));
        assert_eq!(methods("nobody").await, known, "on {}", app.backend);
        app.request(
            reqwest::Method::GET,
            "/v1/sign-in-methods?login_name=",
            None,
            None,
        )
        .await
        .problem("invalid_request");
    }
}

#[tokio::test]
async fn an_id_token_from_a_totp_sign_in_says_otp() {
    for app in apps().await {
        let mut carol = app.user("carol", json!({})).await;
        app.enrol_totp(&mut carol, None).await;
        enable(&app).await;
        // Where MFA applies to her, a code that opened the sign-in is not also her second factor
        // and she is asked for a password too; a set-up factor does not make MFA apply here.
        app.settings(json!({"mfa": {"enrolled_factors_required": false}}))
            .await;
        let client = oidc::register(&app, json!({})).await;
        let request = oidc::authorize(&app, &client, &[]).await;
        let body = app
            .request(
                reqwest::Method::POST,
                "/v1/sessions",
                None,
                Some(json!({
                    "auth_request_id": request,
                    "checks": user_and_code("carol", &carol.totp_now()),
                })),
            )
            .await
            .created();
        let session = Session::from(&body);
        let claims = oidc::id_claims_from(&app, &client, &request, &session).await;
        assert_eq!(claims["amr"], json!(["otp"]), "on {}", app.backend);
    }
}
