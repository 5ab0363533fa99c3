//! Registering OAuth clients through the admin API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::json;
use support::apps;

#[tokio::test]
async fn a_confidential_app_gets_a_secret_once_and_a_public_one_none() {
    for app in apps().await {
        let created = app
            .admin_post(
                "/v1/apps",
                json!({"name": "Portal", "redirect_uris": ["https://portal.example.com/cb"],
                       "login_url": "https://portal.example.com/login",
                       "mfa": {"mode": "time_based", "period_seconds": 3600}}),
            )
            .await
            .created();
        let client_id = created["client_id"].as_str().unwrap();
        let secret = created["client_secret"].as_str().unwrap();
        assert!(secret.starts_with("tfc_") && secret.len() > 40);
        assert_eq!(
            created["mfa"],
            json!({"mode": "time_based", "period_seconds": 3600})
        );
        let read = app.admin_get(&format!("/v1/apps/{client_id}")).await.ok();
        assert!(
            read.get("client_secret").is_none(),
            "a secret is shown once"
        );
        assert!(
            !app.events("type=app.created").await[0]
                .to_string()
                .contains(secret)
        );

        let spa = app
            .admin_post("/v1/apps", json!({"name": "SPA", "public": true, "redirect_uris": ["http://localhost:5173/cb"]}))
            .await
            .created();
        assert!(spa.get("client_secret").is_none());
        let listed = app.admin_get("/v1/apps").await.ok();
        assert_eq!(listed.as_array().unwrap().len(), 2);
    }
}

#[tokio::test]
async fn secrets_rotate_and_apps_change_and_go() {
    for app in apps().await {
        let created = app
            .admin_post(
                "/v1/apps",
                json!({"name": "Portal", "redirect_uris": ["https://portal.example.com/cb"]}),
            )
            .await
            .created();
        let client_id = created["client_id"].as_str().unwrap();
        let path = format!("/v1/apps/{client_id}");
        let rotated = app
            .admin_patch(
                &path,
                json!({"rotate_secret": true, "mfa": {"mode": "always"}}),
            )
            .await
            .ok();
        assert_ne!(rotated["client_secret"], created["client_secret"]);
        assert_eq!(rotated["mfa"]["mode"], "always");
        let cleared = app
            .admin_patch(&path, json!({"login_url": null, "name": "Portal 2"}))
            .await
            .ok();
        assert_eq!(cleared["name"], "Portal 2");
        assert!(cleared.get("client_secret").is_none());
        assert_eq!(app.admin_delete(&path).await.status, 204);
        app.admin_get(&path).await.problem("not_found");
        app.admin_delete(&path).await.problem("not_found");
    }
}

#[tokio::test]
async fn bad_registrations_are_refused_and_store_nothing() {
    for app in apps().await {
        let cases = [
            json!({"name": "x", "redirect_uris": []}),
            json!({"name": "x", "redirect_uris": ["http://evil.example.com/cb"]}),
            json!({"name": "x", "redirect_uris": ["https://app.example.com/cb#x"]}),
            json!({"name": "x", "redirect_uris": ["javascript:alert(1)"]}),
            json!({"name": "", "redirect_uris": ["https://app.example.com/cb"]}),
            json!({"name": "x", "redirect_uris": ["https://app.example.com/cb"], "login_url": "http://evil.example.com"}),
            json!({"name": "x", "redirect_uris": ["https://app.example.com/cb"], "mfa": {"mode": "smart"}}),
            json!({"name": "x", "redirect_uris": ["https://app.example.com/cb"], "mfa": {"allowed_factors": ["push"]}}),
            json!({"name": "x", "redirect_uris": ["https://app.example.com/cb"], "grant_types": ["implicit"]}),
        ];
        for body in cases {
            app.admin_post("/v1/apps", body.clone())
                .await
                .problem("invalid_request");
        }
        let spa = app
            .admin_post(
                "/v1/apps",
                json!({"name": "SPA", "public": true, "redirect_uris": ["http://127.0.0.1/cb"]}),
            )
            .await
            .created();
        let path = format!("/v1/apps/{}", spa["client_id"].as_str().unwrap());
        app.admin_patch(&path, json!({"rotate_secret": true}))
            .await
            .problem("invalid_request");
        assert_eq!(
            app.admin_get("/v1/apps")
                .await
                .ok()
                .as_array()
                .unwrap()
                .len(),
            1
        );
        app.request(reqwest::Method::GET, "/v1/apps", None, None)
            .await
            .problem("unauthorized");
    }
}
