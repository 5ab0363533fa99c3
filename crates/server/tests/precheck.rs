//! No code without the requirement holding: the precheck from every angle.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::json;
use support::oidc::{authorize, continue_with, id_claims_from, metadata, register, sign_in_for};
use support::{PASSWORD, apps};

#[tokio::test]
async fn a_password_is_enough_for_an_app_that_asks_no_more_and_the_token_says_so() {
    for app in apps().await {
        let bob = app.user("bob", json!({"email": "bob@example.com"})).await;
        let client = register(&app, json!({"mode": "off"})).await;
        let request = authorize(&app, &client, &[]).await;
        let before = metadata(&app, &request, None).await;
        assert_eq!(before["validation_type"], "login_required");
        assert_eq!(before["client_name"], "Portal");
        let session = sign_in_for(&app, &bob, &request).await;
        assert_eq!(
            metadata(&app, &request, Some(&session)).await["validation_type"],
            "ready"
        );
        let id = id_claims_from(&app, &client, &request, &session).await;
        assert_eq!(id["amr"], json!(["pwd"]));
        assert_eq!(id["acr"], "urn:twofold:acr:pwd");
        assert_eq!(id["nonce"], "n-1");
        assert_eq!(id["email"], "bob@example.com");
        assert_eq!(id["email_verified"], false);
        assert_eq!(id["iss"], app.base.as_str());
        assert_eq!(id["aud"], client.client_id.as_str());
        let events = app.events("type=oauth.code_issued").await;
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["user_id"], bob.id.as_str());
    }
}

#[tokio::test]
async fn an_auth_request_is_answered_once_and_only_for_its_own_session() {
    for app in apps().await {
        let alice = app.user("alice", json!({})).await;
        let bob = app.user("bob", json!({})).await;
        let client = register(&app, json!({})).await;
        let request = authorize(&app, &client, &[]).await;
        let alices = sign_in_for(&app, &alice, &request).await;
        // Bob's satisfied session, started elsewhere, cannot answer Alice's request.
        let bobs = app.sign_in_with_password(&bob).await;
        continue_with(&app, &request, &bobs, json!({}))
            .await
            .problem("forbidden");
        // Nor can a wrong token of the right session.
        let forged = support::Session {
            id: alices.id.clone(),
            token: bobs.token.clone(),
        };
        continue_with(&app, &request, &forged, json!({}))
            .await
            .problem("unauthorized");
        continue_with(&app, &request, &alices, json!({})).await.ok();
        continue_with(&app, &request, &alices, json!({}))
            .await
            .problem("conflict");
        // A session started for the answered request is refused too.
        app.request(
            reqwest::Method::POST,
            "/v1/sessions",
            None,
            Some(json!({"auth_request_id": request})),
        )
        .await
        .problem("conflict");
    }
}

#[tokio::test]
async fn what_satisfied_a_weaker_app_does_not_satisfy_a_stronger_one() {
    for app in apps().await {
        let lenient = register(&app, json!({"mode": "off"})).await;
        let strict = register(&app, json!({"mode": "always"})).await;
        // Carol has TOTP but no MFA of her own, and the tenant does not ask for set-up factors:
        // the lenient app takes her password alone.
        app.settings(json!({"mfa": {"enrolled_factors_required": false}}))
            .await;
        let mut carol_totp = app.user("carol", json!({})).await;
        app.enrol_totp(&mut carol_totp, None).await;
        let weak = authorize(&app, &lenient, &[]).await;
        let session = sign_in_for(&app, &carol_totp, &weak).await;
        continue_with(&app, &weak, &session, json!({})).await.ok();
        // The same satisfied session, shown to the strict app: a second factor first.
        let strong = authorize(&app, &strict, &[]).await;
        let problem = continue_with(&app, &strong, &session, json!({}))
            .await
            .problem("forbidden");
        assert!(problem["detail"].as_str().unwrap().contains("another app"));
        let fresh = sign_in_for(&app, &carol_totp, &strong).await;
        let refused = continue_with(&app, &strong, &fresh, json!({}))
            .await
            .problem("mfa_required");
        assert_eq!(refused["next"], json!(["totp"]));
    }
}

#[tokio::test]
async fn an_expired_second_factor_no_longer_counts_and_max_age_wants_a_fresh_password() {
    for app in apps().await {
        app.settings(json!({"second_factor_check_lifetime": 120}))
            .await;
        let alice = app.user_with_totp("alice").await;
        let client = register(&app, json!({"mode": "always"})).await;
        let request = authorize(&app, &client, &[]).await;
        let mut session = sign_in_for(&app, &alice, &request).await;
        app.check_totp(&mut session, &alice.totp_now()).await.ok();
        assert_eq!(
            metadata(&app, &request, Some(&session)).await["validation_type"],
            "ready"
        );
        // Two minutes on, the TOTP check is past its lifetime: the request wants it again.
        app.advance(120);
        let refused = continue_with(&app, &request, &session, json!({}))
            .await
            .problem("mfa_required");
        assert_eq!(refused["next"], json!(["totp"]));

        // max_age=0 in a minute-old sign-in: the password must be entered again.
        let bob = app.user("bob", json!({})).await;
        let strict = authorize(&app, &client_off(&app).await, &[("max_age", "0")]).await;
        let mut session = sign_in_for(&app, &bob, &strict).await;
        app.advance(60);
        continue_with(&app, &strict, &session, json!({}))
            .await
            .problem("login_required");
        app.check(&mut session, json!({"password": {"password": PASSWORD}}))
            .await
            .ok();
        continue_with(&app, &strict, &session, json!({})).await.ok();
    }
}

#[tokio::test]
async fn a_locked_user_is_told_locked_by_both_the_metadata_and_continue() {
    for app in apps().await {
        let lin = app.user_with_totp("lin").await;
        let client = register(&app, json!({"mode": "always"})).await;
        let request = authorize(&app, &client, &[]).await;
        let mut session = sign_in_for(&app, &lin, &request).await;
        for _ in 0..5 {
            app.check_totp(&mut session, "000000").await;
        }
        assert_eq!(
            metadata(&app, &request, Some(&session)).await["validation_type"],
            "locked"
        );
        continue_with(&app, &request, &session, json!({}))
            .await
            .problem("locked");
    }
}

async fn client_off(app: &support::TestApp) -> support::oidc::Client {
    register(app, json!({"mode": "off"})).await
}

#[tokio::test]
async fn a_phishing_resistant_request_is_refused_to_a_user_without_webauthn() {
    for app in apps().await {
        let alice = app.user_with_totp("alice").await;
        let client = register(&app, json!({})).await;
        let request = authorize(&app, &client, &[("acr_values", "phr")]).await;
        let mut session = sign_in_for(&app, &alice, &request).await;
        app.check_totp(&mut session, &alice.totp_now()).await.ok();
        let refused = continue_with(&app, &request, &session, json!({}))
            .await
            .problem("insufficient_user_authentication");
        let back = reqwest::Url::parse(refused["redirect_uri"].as_str().unwrap()).unwrap();
        let pairs: Vec<(String, String)> = back.query_pairs().into_owned().collect();
        assert!(pairs.contains(&("error".into(), "insufficient_user_authentication".into())));
        assert!(pairs.contains(&("state".into(), "st-1".into())));
        assert!(pairs.contains(&("iss".into(), app.base.clone())));
        // `phr` first, then `mfa`: the first the user can reach decides, and it holds.
        let request = authorize(&app, &client, &[("acr_values", "phr urn:twofold:acr:mfa")]).await;
        let session = sign_in_for(&app, &alice, &request).await;
        continue_with(&app, &request, &session, json!({}))
            .await
            .problem("mfa_required");
    }
}

#[tokio::test]
async fn a_tenant_defined_acr_level_is_honoured_and_named_in_the_token() {
    for app in apps().await {
        let mut settings = app.admin_get("/v1/settings/login").await.ok();
        let levels = settings["oidc"]["acr_levels"].as_array_mut().unwrap();
        levels.push(json!({"value": "urn:example:gold", "mfa": true, "require": "totp"}));
        app.admin_put("/v1/settings/login", settings.clone())
            .await
            .ok();
        // A level that names a first factor as its requirement is refused, and nothing changes.
        let mut broken = settings.clone();
        broken["oidc"]["acr_levels"][3]["require"] = json!("password");
        app.admin_put("/v1/settings/login", broken)
            .await
            .problem("invalid_request");
        assert_eq!(app.admin_get("/v1/settings/login").await.ok(), settings);

        let mut jo = app.user("jo", json!({})).await;
        app.enrol_totp(&mut jo, None).await;
        let client = register(&app, json!({})).await;
        let request = authorize(&app, &client, &[("acr_values", "urn:example:gold")]).await;
        let mut session = sign_in_for(&app, &jo, &request).await;
        let refused = continue_with(&app, &request, &session, json!({}))
            .await
            .problem("mfa_required");
        assert_eq!(refused["next"], json!(["totp"]));
        app.check_totp(&mut session, &jo.totp_now()).await.ok();
        let id = id_claims_from(&app, &client, &request, &session).await;
        assert_eq!(id["acr"], "urn:example:gold");
        let discovery = app
            .request(
                reqwest::Method::GET,
                "/.well-known/openid-configuration",
                None,
                None,
            )
            .await
            .ok();
        assert!(
            discovery["acr_values_supported"]
                .as_array()
                .unwrap()
                .contains(&json!("urn:example:gold"))
        );
    }
}

#[tokio::test]
async fn the_first_session_keeps_its_request_and_nothing_is_told_before_a_password() {
    for app in apps().await {
        let kim = app.user_with_totp("kim").await;
        let client = register(&app, json!({})).await;
        let request = authorize(&app, &client, &[]).await;
        // A session that only names the user is bound, but learns nothing about her factors.
        let named = app
            .request(
                reqwest::Method::POST,
                "/v1/sessions",
                None,
                Some(
                    json!({"auth_request_id": request, "checks": {"user": {"login_name": "kim"}}}),
                ),
            )
            .await
            .created();
        let named = support::Session::from(&named);
        let told = metadata(&app, &request, Some(&named)).await;
        assert_eq!(told["validation_type"], "login_required");
        assert_eq!(told["mfa"]["configured_methods"], json!([]));
        assert!(told.get("risk").is_none());
        // Someone else who learns the request id cannot take it over, and leaves no session behind.
        let sessions_before = app.events("type=session.created").await.len();
        app.request(
            reqwest::Method::POST,
            "/v1/sessions",
            None,
            Some(json!({"auth_request_id": request, "checks": {"user": {"login_name": "kim"}, "password": {"password": PASSWORD}}})),
        )
        .await
        .problem("conflict");
        assert_eq!(
            app.events("type=session.created").await.len(),
            sessions_before
        );
        // Deleting the session releases the request for a new one.
        app.request(
            reqwest::Method::DELETE,
            &format!("/v1/sessions/{}", named.id),
            Some(&named.token),
            None,
        )
        .await;
        let session = sign_in_for(&app, &kim, &request).await;
        let told = metadata(&app, &request, Some(&session)).await;
        assert_eq!(told["validation_type"], "mfa_required");
        assert_eq!(told["mfa"]["configured_methods"], json!(["totp"]));
        assert!(told["risk"]["score"].is_u64());
    }
}
