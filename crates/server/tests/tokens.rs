//! The token endpoint and userinfo: one-use codes, PKCE, client authentication, rotating refresh
//! tokens, revocation, key rotation — and bad input of every kind.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::json;
use support::apps;
use support::oidc::{
    authorize, code_for, code_from, continue_with, exchange, register, sign_in_for, token,
};

#[tokio::test]
async fn a_replayed_code_revokes_the_tokens_the_first_use_issued() {
    for app in apps().await {
        let bob = app.user("bob", json!({})).await;
        let client = register(&app, json!({})).await;
        let request = authorize(&app, &client, &[]).await;
        let session = sign_in_for(&app, &bob, &request).await;
        let code = code_from(&app, &request, &session).await;
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
async fn a_locked_user_gets_no_refresh_and_no_userinfo() {
    for app in apps().await {
        let lu = app.user("lu", json!({})).await;
        let client = register(&app, json!({})).await;
        let code = code_for(&app, &client, &lu).await;
        let tokens = exchange(&app, &client, &code).await.ok();
        let access = tokens["access_token"].as_str().unwrap();
        support::oidc::userinfo(&app, access).await.ok();
        // Wrong passwords up to the account-wide ceiling (set low: one address waits after five).
        app.settings(json!({"lockout": {"password_max_attempts": 5}}))
            .await;
        for _ in 0..5 {
            app.start_session(
                json!({"user": {"login_name": "lu"}, "password": {"password": "wrong horse battery"}}),
            )
            .await;
        }
        let refused = token(
            &app,
            &client,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ],
        )
        .await;
        assert_eq!(
            (refused.status, refused.body["error"].as_str()),
            (400, Some("invalid_grant"))
        );
        support::oidc::userinfo(&app, access)
            .await
            .problem("invalid_token");
        // Unlocked, the same tokens work again: a lock suspends, it does not revoke.
        app.admin_post(&format!("/v1/users/{}/unlock", lu.id), json!({}))
            .await
            .ok();
        support::oidc::userinfo(&app, access).await.ok();
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

/// RFC 6749's answer to a code exchange whose PKCE does not hold.
fn assert_pkce_refused(resp: support::Resp) {
    assert_eq!(resp.status, 400, "{resp:?}");
    assert_eq!(resp.headers["content-type"], "application/json");
    assert_eq!(
        resp.body,
        json!({"error": "invalid_grant", "error_description": "code_verifier does not match the code_challenge"})
    );
}

/// An auth request of a confidential client that leaves PKCE out (allowed for it).
async fn authorize_without_pkce(app: &support::TestApp, client: &support::oidc::Client) -> String {
    let mut url = reqwest::Url::parse(&format!("{}/oauth/authorize", app.base)).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", &client.client_id)
        .append_pair("redirect_uri", support::oidc::REDIRECT_URI)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid")
        .append_pair("state", "st-1");
    support::oidc::auth_request_from(url.as_str()).await
}

#[tokio::test]
async fn a_missing_verifier_or_one_nobody_asked_for_spends_the_code() {
    for app in apps().await {
        let kim = app.user("kim", json!({})).await;
        let client = register(&app, json!({})).await;
        let without_verifier = |code: &str| {
            let form = [
                ("grant_type", "authorization_code".to_owned()),
                ("code", code.to_owned()),
                ("redirect_uri", support::oidc::REDIRECT_URI.to_owned()),
            ];
            let (app, client) = (&app, &client);
            async move {
                let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                token(app, client, &form).await
            }
        };

        // The request had a challenge; the exchange brings no verifier (a stolen code).
        let code = code_for(&app, &client, &kim).await;
        assert_pkce_refused(without_verifier(&code).await);
        let spent = exchange(&app, &client, &code).await;
        assert_eq!(
            spent.body["error"], "invalid_grant",
            "the refusal spent the code"
        );

        // The request had no challenge; the exchange brings a verifier (a downgrade).
        let request = authorize_without_pkce(&app, &client).await;
        let session = sign_in_for(&app, &kim, &request).await;
        let code = code_from(&app, &request, &session).await;
        assert_pkce_refused(exchange(&app, &client, &code).await);

        // Neither challenge nor verifier is the one way without PKCE.
        let request = authorize_without_pkce(&app, &client).await;
        let session = sign_in_for(&app, &kim, &request).await;
        let code = code_from(&app, &request, &session).await;
        without_verifier(&code).await.ok();

        let revoked = app.events("type=oauth.grant_revoked").await;
        let reasons: Vec<_> = revoked.iter().map(|e| &e["detail"]["reason"]).collect();
        assert_eq!(reasons, [&json!("pkce_failed"), &json!("pkce_failed")]);
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
        let code = code_from(&app, &request, &session).await;
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
