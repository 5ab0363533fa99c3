//! An app's own `first_factors` decide which checks a session started for it accepts, as they
//! decide its precheck: a check the app would never count is refused when it is made.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use support::webauthn::webauthn_apps;
use support::{PASSWORD, Resp, TestApp, apps, oidc};

/// `POST /v1/sessions` with `checks` and `extra` (the auth request or the client id).
async fn start(app: &TestApp, checks: Value, mut extra: Value) -> Resp {
    extra["checks"] = checks;
    app.request(reqwest::Method::POST, "/v1/sessions", None, Some(extra))
        .await
}

fn password(name: &str) -> Value {
    json!({"user": {"login_name": name}, "password": {"password": PASSWORD}})
}

fn totp(name: &str, code: &str) -> Value {
    json!({"user": {"login_name": name}, "totp": {"code": code}})
}

#[tokio::test]
async fn a_password_check_for_an_app_without_passwords_is_refused_as_for_a_tenant_without_them() {
    for app in webauthn_apps().await {
        app.user("alice", json!({})).await;
        let passkeys_only = oidc::register(&app, json!({"first_factors": ["passkey"]})).await;
        let request = oidc::authorize(&app, &passkeys_only, &[]).await;
        let by_request = json!({"auth_request_id": request});
        let refused = start(&app, password("alice"), by_request.clone())
            .await
            .problem("forbidden");
        assert_eq!(refused["status"], 403, "on {}", app.backend);
        let by_client = json!({"client_id": passkeys_only.client_id});
        start(&app, password("alice"), by_client)
            .await
            .problem("forbidden");
        // The tenant's own sign-ins, and an app that keeps the tenant's first factors, still take
        // the password.
        start(&app, password("alice"), json!({})).await.created();
        let tenants = oidc::register(&app, json!({})).await;
        let request = oidc::authorize(&app, &tenants, &[]).await;
        start(&app, password("alice"), json!({"auth_request_id": request}))
            .await
            .created();

        // A tenant without passwords answers the same.
        app.settings(json!({"first_factors": ["passkey"]})).await;
        start(&app, password("alice"), json!({}))
            .await
            .problem("forbidden");
    }
}

#[tokio::test]
async fn a_passwordless_totp_check_for_an_app_that_names_only_passwords_is_refused() {
    for app in apps().await {
        app.settings(json!({"first_factors": ["password", "totp"]}))
            .await;
        let alice = app.user_with_totp("alice").await;
        let passwords_only = oidc::register(&app, json!({"first_factors": ["password"]})).await;
        let request = oidc::authorize(&app, &passwords_only, &[]).await;
        // As where the tenant lists no `totp`: a TOTP check before a first factor is a bad step,
        // not a guess, so it spends nothing.
        start(
            &app,
            totp("alice", &alice.totp_now()),
            json!({"auth_request_id": request}),
        )
        .await
        .problem("invalid_request");
        // The code was not spent: the tenant's own sign-in takes it.
        let signed_in = start(&app, totp("alice", &alice.totp_now()), json!({}))
            .await
            .created();
        assert!(signed_in["checks"].get("totp").is_some(), "{signed_in}");
    }
}
