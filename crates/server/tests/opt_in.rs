//! A second factor a person sets up protects them: it is asked at every sign-in, and a password
//! alone can no longer add, prove, remove or rename factors, or change the contacts codes go to.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use reqwest::Method;
use serde_json::{Value, json};
use support::oidc::{
    authorize, claims_of, code_of, continue_with, exchange, metadata, register, sign_in_for,
};
use support::webauthn::{start_registration, webauthn_apps};
use support::{Session, TestApp, apps};

async fn mfa_of(app: &TestApp, session: &Session) -> Value {
    app.request(
        Method::GET,
        &format!("/v1/sessions/{}/mfa", session.id),
        Some(&session.token),
        None,
    )
    .await
    .ok()
}

#[tokio::test]
async fn a_totp_set_up_without_mfa_enabled_is_asked_at_every_sign_in_and_for_every_token() {
    for app in apps().await {
        let mut carol = app.user("carol", json!({})).await;
        let before = app.sign_in_with_password(&carol).await;
        assert_eq!(
            app.get_session(&before).await.ok()["mfa"]["satisfied"],
            true
        );

        app.enrol_totp(&mut carol, None).await;
        let session = app.sign_in_with_password(&carol).await;
        let view = app.get_session(&session).await.ok();
        assert_eq!(view["mfa"]["satisfied"], false, "{view}");
        assert_eq!(view["mfa"]["mfa_required"], true);
        assert_eq!(view["mfa"]["factors"]["next"], json!(["totp"]));
        let mfa = mfa_of(&app, &session).await;
        assert_eq!(mfa["satisfied"], false);
        assert_eq!(mfa["factors"]["next"], json!(["totp"]));

        let client = register(&app, json!({})).await;
        let request = authorize(&app, &client, &[]).await;
        let mut signing_in = sign_in_for(&app, &carol, &request).await;
        let meta = metadata(&app, &request, Some(&signing_in)).await;
        assert_eq!(meta["validation_type"], "mfa_required", "{meta}");
        let refused = continue_with(&app, &request, &signing_in, json!({}))
            .await
            .problem("mfa_required");
        assert_eq!(refused["next"], json!(["totp"]));

        app.check_totp(&mut signing_in, &carol.totp_now())
            .await
            .ok();
        assert_eq!(mfa_of(&app, &signing_in).await["satisfied"], true);
        let answered = continue_with(&app, &request, &signing_in, json!({}))
            .await
            .ok();
        let code = code_of(&app, answered["redirect_uri"].as_str().unwrap());
        let tokens = exchange(&app, &client, &code).await.ok();
        let amr = claims_of(tokens["id_token"].as_str().unwrap())["amr"].clone();
        assert!(
            amr.as_array().unwrap().contains(&json!("otp")),
            "{amr} on {}",
            app.backend
        );
    }
}

#[tokio::test]
async fn backup_codes_alone_are_no_opt_in_and_a_tenant_may_leave_set_up_factors_optional() {
    for app in apps().await {
        let dan = app.user("dan", json!({})).await;
        app.admin_post(&format!("/v1/users/{}/backup-codes", dan.id), json!({}))
            .await
            .created();
        let session = app.sign_in_with_password(&dan).await;
        assert_eq!(mfa_of(&app, &session).await["satisfied"], true);

        let mut eve = app.user("eve", json!({})).await;
        app.enrol_totp(&mut eve, None).await;
        app.admin_patch(
            "/v1/settings/login",
            json!({"mfa": {"enrolled_factors_required": false}}),
        )
        .await
        .ok();
        let session = app.sign_in_with_password(&eve).await;
        let mfa = mfa_of(&app, &session).await;
        assert_eq!(mfa["satisfied"], true, "{mfa}");
        assert_eq!(mfa["factors"]["already_setup"], json!(["totp"]));
    }
}

/// Every route a session token can change factors through, for `user`: the TOTP and WebAuthn
/// enrolments, backup codes, contacts, the code factors, removing, renaming, listing, devices.
fn every_factor_route(
    user_id: &str,
    totp_id: &str,
    pending_key: &str,
) -> Vec<(Method, String, Option<Value>)> {
    let u = format!("/v1/users/{user_id}");
    vec![
        (Method::POST, format!("{u}/totp"), Some(json!({}))),
        (
            Method::POST,
            format!("{u}/totp/verify"),
            Some(json!({"code": "123456"})),
        ),
        (Method::POST, format!("{u}/backup-codes"), None),
        (
            Method::POST,
            format!("{u}/webauthn"),
            Some(json!({"kind": "security_key"})),
        ),
        (
            Method::POST,
            format!("{u}/webauthn"),
            Some(json!({"kind": "passkey"})),
        ),
        (
            Method::POST,
            format!("{u}/webauthn/{pending_key}"),
            Some(json!({"public_key_credential": {}})),
        ),
        (
            Method::POST,
            format!("{u}/phone"),
            Some(json!({"phone": "+41 79 765 43 21"})),
        ),
        (
            Method::POST,
            format!("{u}/phone/verify"),
            Some(json!({"code": "123456"})),
        ),
        (
            Method::POST,
            format!("{u}/email"),
            Some(json!({"email": "mallory@example.com"})),
        ),
        (
            Method::POST,
            format!("{u}/email/verify"),
            Some(json!({"code": "123456"})),
        ),
        (Method::POST, format!("{u}/otp-sms"), None),
        (Method::POST, format!("{u}/otp-email"), None),
        (
            Method::DELETE,
            format!("{u}/authenticators/{totp_id}"),
            None,
        ),
        (
            Method::PATCH,
            format!("{u}/authenticators/{totp_id}"),
            Some(json!({"name": "mallory's now"})),
        ),
        (Method::GET, format!("{u}/authenticators"), None),
        (Method::GET, format!("{u}/devices"), None),
    ]
}

#[tokio::test]
async fn a_password_alone_changes_no_factor_of_a_person_who_set_one_up() {
    for app in webauthn_apps().await {
        let mut fay = app
            .user(
                "fay",
                json!({"email": "fay@example.com", "email_verified": true,
                       "phone": "+41 79 123 45 67", "phone_verified": true}),
            )
            .await;
        let totp_id = app.enrol_totp(&mut fay, None).await;
        let pending = start_registration(&app, &fay, "security_key").await;
        let pending_id = pending["authenticator_id"].as_str().unwrap();
        let authenticators = format!("/v1/users/{}/authenticators", fay.id);
        let before = app.admin_get(&authenticators).await.ok();
        let user_before = app.admin_get(&format!("/v1/users/{}", fay.id)).await.ok();

        let mut session = app.sign_in_with_password(&fay).await;
        for (method, path, body) in every_factor_route(&fay.id, &totp_id, pending_id) {
            let refused = app
                .request(method.clone(), &path, Some(&session.token), body)
                .await;
            assert_eq!(refused.status, 403, "{method} {path}: {:?}", refused.body);
            let refused = refused.problem("mfa_required");
            assert_eq!(refused["next"], json!(["totp"]), "{method} {path}");
        }
        assert_eq!(app.admin_get(&authenticators).await.ok(), before);
        assert_eq!(
            app.admin_get(&format!("/v1/users/{}", fay.id)).await.ok(),
            user_before,
            "{}",
            app.backend
        );

        // Once the TOTP counts, the same session manages the factors, and may opt out.
        app.check_totp(&mut session, &fay.totp_now()).await.ok();
        let as_fay = |method: Method, path: String, body: Option<Value>| {
            let token = session.token.clone();
            let app = &app;
            async move { app.request(method, &path, Some(&token), body).await }
        };
        let u = format!("/v1/users/{}", fay.id);
        as_fay(Method::POST, format!("{u}/backup-codes"), None)
            .await
            .created();
        as_fay(
            Method::PATCH,
            format!("{u}/authenticators/{totp_id}"),
            Some(json!({"name": "phone app"})),
        )
        .await
        .ok();
        let removed = as_fay(
            Method::DELETE,
            format!("{u}/authenticators/{totp_id}"),
            None,
        )
        .await;
        assert_eq!(removed.status, 204, "{:?}", removed.body);
    }
}

#[tokio::test]
async fn a_person_who_must_set_up_mfa_may_set_up_what_is_due_and_nothing_else() {
    for app in apps().await {
        let gil = app.user("gil", json!({"mfa_enabled": true})).await;
        let session = app.sign_in_with_password(&gil).await;
        let u = format!("/v1/users/{}", gil.id);
        app.request(
            Method::POST,
            &format!("{u}/backup-codes"),
            Some(&session.token),
            None,
        )
        .await
        .problem("setup_required");
        app.request(
            Method::POST,
            &format!("{u}/totp"),
            Some(&session.token),
            Some(json!({})),
        )
        .await
        .created();
    }
}
