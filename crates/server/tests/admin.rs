//! Users, settings and the audit log through the admin API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::json;
use support::{PASSWORD, apps};

#[tokio::test]
async fn users_are_created_changed_and_deleted() {
    for app in apps().await {
        let created = app
            .admin_post("/v1/users", json!({"username": "Alice", "email": "Alice@Example.com", "email_verified": true, "password": PASSWORD}))
            .await
            .created();
        assert_eq!(created["username"], "alice");
        assert_eq!(created["email"], "alice@example.com");
        assert_eq!(created["has_password"], true);
        assert!(created.get("password_hash").is_none() && !created.to_string().contains("argon2"));
        let id = created["id"].as_str().unwrap();
        app.admin_post("/v1/users", json!({"username": "alice"}))
            .await
            .problem("conflict");

        // Signing in by verified email works; changing it unverifies it.
        app.start_session(json!({"user": {"login_name": "alice@example.com"}, "password": {"password": PASSWORD}}))
            .await
            .created();
        let changed = app
            .admin_patch(
                &format!("/v1/users/{id}"),
                json!({"email": "new@example.com"}),
            )
            .await
            .ok();
        assert_eq!(changed["email_verified"], false);
        let cleared = app
            .admin_patch(
                &format!("/v1/users/{id}"),
                json!({"phone": null, "required_factors": ["totp"]}),
            )
            .await
            .ok();
        assert_eq!(cleared["required_factors"], json!(["totp"]));
        app.admin_patch(&format!("/v1/users/{id}"), json!({"password": "short"}))
            .await
            .problem("invalid_request");
        app.admin_patch(
            &format!("/v1/users/{id}"),
            json!({"password": "alicealice"}),
        )
        .await
        .problem("invalid_request");

        assert_eq!(
            app.admin_delete(&format!("/v1/users/{id}")).await.status,
            204
        );
        app.admin_get(&format!("/v1/users/{id}"))
            .await
            .problem("not_found");
        let kinds: Vec<_> = app
            .events(&format!("user_id={id}"))
            .await
            .iter()
            .map(|e| e["type"].clone())
            .collect();
        assert_eq!(kinds.first(), Some(&json!("user.created")));
        assert_eq!(kinds.last(), Some(&json!("user.deleted")));
    }
}

#[tokio::test]
async fn settings_round_trip_and_tenant_always_forces_mfa() {
    for app in apps().await {
        let defaults = app.admin_get("/v1/settings/login").await.ok();
        assert_eq!(
            defaults["lockout"],
            json!({
                "max_attempts": 5,
                "max_consecutive_failures": 100,
                "password_max_attempts": 100,
                "duration_seconds": 900,
                "max_duration_seconds": 86_400,
                "mode": "suspend",
                "per_source": {"free_attempts": 5, "delay_seconds": 60, "max_delay_seconds": 3600},
                "per_ip": {"limit": 100, "seconds": 3600},
                "captcha_after_failures": 3,
                "captcha_difficulty": 100_000,
                "unlock_attempts": 5
            })
        );
        assert_eq!(
            defaults["otp"],
            json!({"digits": 6, "ttl_seconds": 300, "max_attempts": 5, "resend_cooldown_seconds": 30, "allow_return_code": false})
        );
        app.settings(
            json!({"mfa": {"mode": "always", "require": {"oneOf": ["totp", "backup-code"]}}}),
        )
        .await;
        let saved = app.admin_get("/v1/settings/login").await.ok();
        assert_eq!(
            saved["mfa"],
            json!({"mode": "always", "require": {"oneOf": ["totp", "backup-code"]}, "enrolled_factors_required": true})
        );

        let mut erin = app.user("erin", json!({})).await;
        app.enrol_totp(&mut erin, None).await;
        let mut session = app.sign_in_with_password(&erin).await;
        let view = app.check(&mut session, json!({})).await.ok();
        assert_eq!(view["mfa"]["mfa_required"], true);
        assert_eq!(view["mfa"]["satisfied"], false);
        app.check_totp(&mut session, &erin.totp_now()).await.ok();
    }
}

#[tokio::test]
async fn user_required_factors_decide_what_is_next() {
    for app in apps().await {
        let mut frank = app
            .user("frank", json!({"required_factors": ["totp"]}))
            .await;
        app.enrol_totp(&mut frank, None).await;
        let started = app
            .start_session(
                json!({"user": {"login_name": "frank"}, "password": {"password": PASSWORD}}),
            )
            .await
            .created();
        assert_eq!(started["mfa"]["factors"]["next"], json!(["totp"]));
        assert_eq!(started["mfa"]["satisfied"], false);
    }
}

#[tokio::test]
async fn the_audit_log_pages_by_cursor_oldest_first() {
    for app in apps().await {
        for i in 0..5 {
            app.user(&format!("user{i}"), json!({})).await;
        }
        let first = app
            .admin_get("/v1/events?type=user.created&limit=2")
            .await
            .ok();
        assert_eq!(first["events"].as_array().unwrap().len(), 2);
        let cursor = first["next_cursor"].as_str().unwrap();
        let second = app
            .admin_get(&format!(
                "/v1/events?type=user.created&limit=2&after={cursor}"
            ))
            .await
            .ok();
        let third = app
            .admin_get(&format!(
                "/v1/events?type=user.created&limit=2&after={}",
                second["next_cursor"].as_str().unwrap()
            ))
            .await
            .ok();
        assert_eq!(third["events"].as_array().unwrap().len(), 1);
        assert!(third["next_cursor"].is_null());
        let ids: Vec<i64> = [&first, &second, &third]
            .iter()
            .flat_map(|page| {
                page["events"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["id"].as_str().unwrap().parse().unwrap())
            })
            .collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert!(first["events"][0]["at"].as_str().unwrap().ends_with('Z'));
        assert_eq!(first["events"][0]["ip"], "127.0.0.1");
    }
}

#[tokio::test]
async fn nothing_secret_reaches_the_audit_log() {
    for app in apps().await {
        let alice = app.user_with_totp("alice").await;
        let mut session = app.sign_in_with_password(&alice).await;
        let code = alice.totp_now();
        app.check_totp(&mut session, &code).await.ok();
        app.check_totp(&mut session, "123456").await;
        let codes = app
            .admin_post(&format!("/v1/users/{}/backup-codes", alice.id), json!({}))
            .await
            .created();
        let log = serde_json::to_string(&app.events("").await).unwrap();
        for secret in [
            PASSWORD,
            code.as_str(),
            "123456",
            &session.token,
            codes["codes"][0].as_str().unwrap(),
        ] {
            assert!(!log.contains(secret), "{secret} leaked into the audit log");
        }
    }
}

#[tokio::test]
async fn metrics_count_events_and_responses_for_prometheus() {
    let mut config = support::config(None);
    config.http.metrics_listen = Some("127.0.0.1:0".parse().unwrap());
    let app = support::TestApp::spawn_with("sqlite", config).await;
    app.user("alice", json!({})).await;
    app.admin_get("/v1/users/nope").await.problem("not_found");
    let response = app
        .http
        .get(format!("{}/metrics", app.metrics_base.as_ref().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = response.text().await.unwrap();
    assert!(
        text.contains("twofold_events_total{type=\"user.created\"} 1\n"),
        "{text}"
    );
    assert!(
        text.contains("twofold_http_responses_total{class=\"4xx\"} 1\n"),
        "{text}"
    );
    assert!(
        !text.contains("twofold_http_responses_total{class=\"2xx\"} 0\n"),
        "{text}"
    );
}
