//! No code without the requirement holding: the precheck from every angle.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::json;
use support::oidc::{
    authorize, claims_of, code_for, code_of, continue_with, exchange, metadata, register,
    sign_in_for, token,
};
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
        let answered = continue_with(&app, &request, &session, json!({}))
            .await
            .ok();
        let code = code_of(&app, answered["redirect_uri"].as_str().unwrap());
        let tokens = exchange(&app, &client, &code).await.ok();
        let id = claims_of(tokens["id_token"].as_str().unwrap());
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
        // Carol has TOTP but no MFA of her own: the lenient app takes her password alone.
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

async fn client_off(app: &support::TestApp) -> support::oidc::Client {
    register(app, json!({"mode": "off"})).await
}

#[tokio::test]
async fn a_replayed_code_revokes_the_tokens_the_first_use_issued() {
    for app in apps().await {
        let bob = app.user("bob", json!({})).await;
        let client = register(&app, json!({})).await;
        let request = authorize(&app, &client, &[]).await;
        let session = sign_in_for(&app, &bob, &request).await;
        let answered = continue_with(&app, &request, &session, json!({}))
            .await
            .ok();
        let code = code_of(&app, answered["redirect_uri"].as_str().unwrap());
        let first = exchange(&app, &client, &code).await.ok();
        let access = first["access_token"].as_str().unwrap();
        support::oidc::userinfo(&app, access).await.ok();
        let again = exchange(&app, &client, &code).await;
        assert_eq!(again.status, 400);
        assert_eq!(again.body["error"], "invalid_grant");
        support::oidc::userinfo(&app, access)
            .await
            .problem("invalid_token");
        let refreshed = token(
            &app,
            &client,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", first["refresh_token"].as_str().unwrap()),
            ],
        )
        .await;
        assert_eq!(refreshed.body["error"], "invalid_grant");
        assert_eq!(app.events("type=oauth.grant_revoked").await.len(), 1);
    }
}

#[tokio::test]
async fn the_token_endpoint_wants_the_right_client_verifier_and_redirect_uri() {
    for app in apps().await {
        let bob = app.user("bob", json!({})).await;
        let client = register(&app, json!({})).await;
        let other = register(&app, json!({})).await;
        let wrong_secret = support::oidc::Client {
            client_id: client.client_id.clone(),
            secret: Some("tfc_wrong".to_owned()),
        };
        let code = code_for(&app, &client, &bob).await;
        let refused = exchange(&app, &wrong_secret, &code).await;
        assert_eq!(
            (refused.status, refused.body["error"].as_str()),
            (401, Some("invalid_client"))
        );
        // A code is only for its own client (and the attempt spends it).
        let refused = exchange(&app, &other, &code).await;
        assert_eq!(refused.body["error"], "invalid_grant");
        let code = code_for(&app, &client, &bob).await;
        let wrong_verifier = token(
            &app,
            &client,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", support::oidc::REDIRECT_URI),
                ("code_verifier", &"a".repeat(43)),
            ],
        )
        .await;
        assert_eq!(wrong_verifier.body["error"], "invalid_grant");
        let code = code_for(&app, &client, &bob).await;
        let wrong_uri = token(
            &app,
            &client,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", "http://127.0.0.1:9/other"),
                ("code_verifier", support::oidc::VERIFIER),
            ],
        )
        .await;
        assert_eq!(wrong_uri.body["error"], "invalid_grant");
        let unsupported = token(&app, &client, &[("grant_type", "password")]).await;
        assert_eq!(unsupported.body["error"], "unsupported_grant_type");
        // client_secret_basic works as well as client_secret_post.
        let code = code_for(&app, &client, &bob).await;
        let basic = app
            .http
            .post(format!("{}/oauth/token", app.base))
            .basic_auth(&client.client_id, client.secret.as_deref())
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", support::oidc::REDIRECT_URI),
                ("code_verifier", support::oidc::VERIFIER),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(basic.status(), 200);
    }
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
async fn smart_mode_asks_on_a_strange_device_and_trusts_a_familiar_one() {
    for app in apps().await {
        let mut dana = app.user("dana", json!({})).await;
        app.enrol_totp(&mut dana, None).await;
        let client = register(&app, json!({"mode": "smart", "risk_threshold": 50})).await;

        let request = authorize(&app, &client, &[]).await;
        let mut session = sign_in_for(&app, &dana, &request).await;
        let refused = continue_with(&app, &request, &session, json!({}))
            .await
            .problem("mfa_required");
        assert_eq!(refused["next"], json!(["totp"]));
        let seen = app
            .request(
                reqwest::Method::GET,
                &format!("/v1/sessions/{}", session.id),
                Some(&session.token),
                None,
            )
            .await
            .ok();
        assert!(
            seen["risk"]["score"].as_u64().unwrap() >= 50,
            "the score is on the session"
        );
        let events = app.events("type=auth_request.refused").await;
        let risk = &events[0]["detail"]["risk"];
        assert!(risk["score"].as_u64().unwrap() >= 50, "{risk}");
        assert!(
            risk["reasons"]
                .as_array()
                .unwrap()
                .contains(&json!("unknown_device"))
        );
        // One wrong code first: remembered as a recent failure even after the right one passes.
        let right = dana.totp_now();
        let wrong: String = right
            .chars()
            .map(|c| {
                if c == '9' {
                    '0'
                } else {
                    char::from(c as u8 + 1)
                }
            })
            .collect();
        app.check_totp(&mut session, &wrong)
            .await
            .problem("invalid_code");
        app.check_totp(&mut session, &right).await.ok();
        let answered = continue_with(&app, &request, &session, json!({"trust_device": true}))
            .await
            .ok();
        assert_eq!(answered["device_trusted"], true);
        let device = answered["device_token"].as_str().unwrap().to_owned();

        // Next time, from the trusted device and a known network: the password is enough.
        let request = authorize(&app, &client, &[]).await;
        let session = sign_in_for(&app, &dana, &request).await;
        let answered = continue_with(&app, &request, &session, json!({"device_token": device}))
            .await
            .ok();
        assert!(
            answered.get("device_token").is_none(),
            "the known device is kept"
        );
        let issued = app.events("type=oauth.code_issued").await;
        let risk = &issued.last().unwrap()["detail"]["risk"];
        assert_eq!(risk["reasons"], json!(["recent_failures"]), "{risk}");
        let code = code_of(&app, answered["redirect_uri"].as_str().unwrap());
        let tokens = exchange(&app, &client, &code).await.ok();
        assert_eq!(
            claims_of(tokens["id_token"].as_str().unwrap())["amr"],
            json!(["pwd"])
        );

        // Revoked, the device counts for nothing again.
        let devices = app
            .admin_get(&format!("/v1/users/{}/devices", dana.id))
            .await
            .ok();
        let id = devices["devices"][0]["id"].as_str().unwrap().to_owned();
        assert_eq!(devices["devices"][0]["trusted"], true);
        app.admin_delete(&format!("/v1/users/{}/devices/{id}", dana.id))
            .await;
        let request = authorize(&app, &client, &[]).await;
        let session = sign_in_for(&app, &dana, &request).await;
        continue_with(&app, &request, &session, json!({"device_token": device}))
            .await
            .problem("mfa_required");
    }
}

#[tokio::test]
async fn an_app_may_forbid_trusted_devices() {
    for app in apps().await {
        let mut erin = app.user("erin", json!({})).await;
        app.enrol_totp(&mut erin, None).await;
        let client = register(
            &app,
            json!({"mode": "smart", "risk_threshold": 50, "forbid_trusted_devices": true}),
        )
        .await;
        let request = authorize(&app, &client, &[]).await;
        let mut session = sign_in_for(&app, &erin, &request).await;
        app.check_totp(&mut session, &erin.totp_now()).await.ok();
        continue_with(&app, &request, &session, json!({"trust_device": true}))
            .await
            .problem("forbidden");
        // The refusal changed nothing: the request can still be answered without trust.
        continue_with(&app, &request, &session, json!({}))
            .await
            .ok();
    }
}

#[tokio::test]
async fn time_based_mode_asks_again_once_the_period_has_passed_on_that_device() {
    for app in apps().await {
        let mut finn = app.user("finn", json!({})).await;
        app.enrol_totp(&mut finn, None).await;
        let client = register(&app, json!({"mode": "time_based", "period_seconds": 3600})).await;
        let request = authorize(&app, &client, &[]).await;
        let mut session = sign_in_for(&app, &finn, &request).await;
        continue_with(&app, &request, &session, json!({}))
            .await
            .problem("mfa_required");
        app.check_totp(&mut session, &finn.totp_now()).await.ok();
        let answered = continue_with(&app, &request, &session, json!({}))
            .await
            .ok();
        let device = answered["device_token"].as_str().unwrap().to_owned();
        assert_eq!(answered["device_trusted"], false);

        // Within the hour, on that device, a password alone will do; on another, not.
        let request = authorize(&app, &client, &[]).await;
        let session = sign_in_for(&app, &finn, &request).await;
        continue_with(&app, &request, &session, json!({}))
            .await
            .problem("mfa_required");
        continue_with(&app, &request, &session, json!({"device_token": device}))
            .await
            .ok();
        app.advance(3600);
        let request = authorize(&app, &client, &[]).await;
        let session = sign_in_for(&app, &finn, &request).await;
        continue_with(&app, &request, &session, json!({"device_token": device}))
            .await
            .problem("mfa_required");
    }
}

#[tokio::test]
async fn a_public_client_uses_pkce_alone_and_signing_out_ends_its_tokens() {
    for app in apps().await {
        let gina = app.user("gina", json!({})).await;
        let created = app
            .admin_post(
                "/v1/apps",
                json!({"name": "SPA", "public": true, "redirect_uris": [support::oidc::REDIRECT_URI],
                       "login_url": support::oidc::LOGIN_URL}),
            )
            .await
            .created();
        let spa = support::oidc::Client {
            client_id: created["client_id"].as_str().unwrap().to_owned(),
            secret: None,
        };
        let request = authorize(&app, &spa, &[]).await;
        let session = sign_in_for(&app, &gina, &request).await;
        let answered = continue_with(&app, &request, &session, json!({}))
            .await
            .ok();
        let code = code_of(&app, answered["redirect_uri"].as_str().unwrap());
        // A secret a public client does not have is refused, and so is a missing verifier.
        let pretending = support::oidc::Client {
            client_id: spa.client_id.clone(),
            secret: Some("tfc_made_up".to_owned()),
        };
        assert_eq!(
            exchange(&app, &pretending, &code).await.body["error"],
            "invalid_client"
        );
        let tokens = exchange(&app, &spa, &code).await.ok();
        let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
        let access = tokens["access_token"].as_str().unwrap().to_owned();
        support::oidc::userinfo(&app, &access).await.ok();

        // The audit log tells what happened without holding any code or token.
        let log = serde_json::to_string(&app.events("").await).unwrap();
        for secret in [&code, &refresh, &access, &session.token] {
            assert!(!log.contains(secret.as_str()), "the log holds a secret");
        }

        app.request(
            reqwest::Method::DELETE,
            &format!("/v1/sessions/{}", session.id),
            Some(&session.token),
            None,
        )
        .await;
        let refused = token(
            &app,
            &spa,
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )
        .await;
        assert_eq!(refused.body["error"], "invalid_grant");
        support::oidc::userinfo(&app, &access)
            .await
            .problem("invalid_token");
    }
}

#[tokio::test]
async fn bad_input_to_the_oauth_endpoints_gets_clear_errors_and_changes_nothing() {
    for app in apps().await {
        let hal = app.user("hal", json!({})).await;
        let client = register(&app, json!({})).await;
        let request = authorize(&app, &client, &[]).await;
        let session = sign_in_for(&app, &hal, &request).await;
        let url = |path: &str| format!("{}{path}", app.base);
        // JSON where a form belongs, a broken Basic header, a missing code.
        let json_body = app
            .http
            .post(url("/oauth/token"))
            .json(&json!({"grant_type": "authorization_code"}))
            .send()
            .await
            .unwrap();
        assert_eq!(json_body.status(), 400);
        let body: serde_json::Value = json_body.json().await.unwrap();
        assert_eq!(body["error"], "invalid_request");
        let broken = app
            .http
            .post(url("/oauth/token"))
            .header("authorization", "Basic %%%")
            .form(&[("grant_type", "authorization_code"), ("code", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(broken.status(), 400);
        let missing = token(&app, &client, &[("grant_type", "authorization_code")]).await;
        assert_eq!(missing.body["error"], "invalid_request");
        let garbage = token(
            &app,
            &client,
            &[
                ("grant_type", "authorization_code"),
                ("code", &"x".repeat(5000)),
                ("redirect_uri", support::oidc::REDIRECT_URI),
            ],
        )
        .await;
        assert_eq!(garbage.body["error"], "invalid_grant");
        // Continue with a malformed body, an unknown request, an absurd id.
        let bad = app
            .raw(
                reqwest::Method::POST,
                &format!("/v1/auth-requests/{request}/continue"),
                "application/json",
                "{\"session_id\": 1}",
            )
            .await;
        bad.problem("invalid_request");
        continue_with(&app, "no-such-request", &session, json!({}))
            .await
            .problem("not_found");
        continue_with(&app, &"r".repeat(300), &session, json!({}))
            .await
            .problem("not_found");
        app.request(
            reqwest::Method::GET,
            &format!("/v1/auth-requests/{}", "r".repeat(300)),
            None,
            None,
        )
        .await
        .problem("not_found");
        support::oidc::userinfo(&app, "not.a.jwt")
            .await
            .problem("invalid_token");
        // None of it spent the request: it is answered now.
        continue_with(&app, &request, &session, json!({}))
            .await
            .ok();
    }
}

#[tokio::test]
async fn tokens_signed_before_a_key_rotation_stay_valid_and_new_ones_use_the_new_key() {
    for app in apps().await {
        let ivy = app.user("ivy", json!({})).await;
        let client = register(&app, json!({})).await;
        let code = code_for(&app, &client, &ivy).await;
        let before = exchange(&app, &client, &code).await.ok();
        let kid_of = |jwt: &str| {
            let header = jwt.split('.').next().unwrap();
            let bytes = data_encoding::BASE64URL_NOPAD
                .decode(header.as_bytes())
                .unwrap();
            serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()["kid"].clone()
        };
        let old_kid = kid_of(before["id_token"].as_str().unwrap());
        app.admin_post("/v1/signing-keys/rotate", json!({}))
            .await
            .created();
        support::oidc::userinfo(&app, before["access_token"].as_str().unwrap())
            .await
            .ok();
        let jwks = app.admin_get("/oauth/jwks").await.ok();
        let kids: Vec<_> = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].clone())
            .collect();
        assert!(kids.contains(&old_kid), "the old key is still published");
        let refreshed = token(
            &app,
            &client,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", before["refresh_token"].as_str().unwrap()),
            ],
        )
        .await
        .ok();
        let new_kid = kid_of(refreshed["id_token"].as_str().unwrap());
        assert_ne!(new_kid, old_kid);
        assert!(kids.contains(&new_kid));
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
        let answered = continue_with(&app, &request, &session, json!({}))
            .await
            .ok();
        let code = code_of(&app, answered["redirect_uri"].as_str().unwrap());
        let tokens = exchange(&app, &client, &code).await.ok();
        let id = claims_of(tokens["id_token"].as_str().unwrap());
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
