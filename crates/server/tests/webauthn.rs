//! WebAuthn sign-ins with a software authenticator (passkey-rs) through the HTTP API: security
//! keys as a second factor, passkeys without a password, and every way an assertion is refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use support::Session;
use support::webauthn::{
    ORIGIN, SoftAuthenticator, challenge, check, finish_registration, passwordless, register,
    start_registration, webauthn_apps,
};

#[tokio::test]
async fn a_security_key_is_a_second_factor_with_a_counter_that_only_moves_forward() {
    for app in webauthn_apps().await {
        let alice = app.user("alice", json!({"mfa_enabled": true})).await;
        let mut key = SoftAuthenticator::new();
        let active = register(&app, &alice, &mut key, "security_key", "YubiKey").await;
        assert_eq!(
            (active["state"].as_str(), active["factor"].as_str()),
            (Some("active"), Some("webauthn"))
        );
        assert_eq!(active["name"], "YubiKey");

        let mut session = app.sign_in_with_password(&alice).await;
        let options = challenge(&app, &mut session).await;
        let allowed = options["publicKey"]["allowCredentials"].as_array().unwrap();
        assert_eq!(allowed.len(), 1, "{options}");
        // A security key adds possession to the password: it is not asked to verify the user.
        assert_eq!(options["publicKey"]["userVerification"], "discouraged");
        let before = key.keyring.snapshot();
        let assertion = key.sign(ORIGIN, &options).await.unwrap();
        let passed = check(&app, &mut session, assertion.clone()).await.ok();
        assert_eq!(passed["mfa"]["satisfied"], true, "{passed}");
        assert!(passed["checks"]["webauthn"].is_object(), "{passed}");

        // The same assertion again: its ceremony is spent.
        check(&app, &mut session, assertion)
            .await
            .problem("code_expired");

        // A clone of the key (its counter from before) is refused and recorded.
        let mut session = app.sign_in_with_password(&alice).await;
        let options = challenge(&app, &mut session).await;
        key.keyring.restore(before);
        let cloned = key.sign(ORIGIN, &options).await.unwrap();
        let refused = check(&app, &mut session, cloned)
            .await
            .problem("invalid_code");
        assert_eq!(refused["attempts_left"], 4);
        let events = app.events("type=webauthn.refused").await;
        assert_eq!(
            events.last().unwrap()["detail"]["reason"],
            "counter_regression"
        );
    }
}

#[tokio::test]
async fn a_passkey_signs_in_without_a_password_and_counts_as_multi_factor() {
    for app in webauthn_apps().await {
        let bob = app.user("bob", json!({"mfa_enabled": true})).await;
        let mut phone = SoftAuthenticator::new();
        let active = register(&app, &bob, &mut phone, "passkey", "Phone").await;
        assert_eq!(active["factor"], "passkey");

        // No user named: the request options carry no allow-list, the credential names its user.
        let (mut session, options) = passwordless(&app, json!({})).await;
        assert_eq!(
            options["publicKey"]["allowCredentials"],
            json!([]),
            "{options}"
        );
        assert_eq!(options["publicKey"]["userVerification"], "required");
        let assertion = phone.sign(ORIGIN, &options).await.unwrap();
        let passed = check(&app, &mut session, assertion).await.ok();
        assert_eq!(passed["user_id"], bob.id.as_str());
        assert_eq!(passed["mfa"]["satisfied"], true, "{passed}");
        assert!(passed["checks"]["passkey"].is_object(), "{passed}");

        // With the user named first, the allow-list holds the user's passkey.
        let started = app
            .start_session(json!({"user": {"login_name": "bob"}}))
            .await
            .created();
        let mut session = Session::from(&started);
        let options = challenge(&app, &mut session).await;
        let assertion = phone.sign(ORIGIN, &options).await.unwrap();
        check(&app, &mut session, assertion).await.ok();
    }
}

#[tokio::test]
async fn unknown_users_get_a_stable_stand_in_allow_list_like_anyone_elses() {
    for app in webauthn_apps().await {
        let carol = app.user("carol", json!({})).await;
        let mut phone = SoftAuthenticator::new();
        register(&app, &carol, &mut phone, "passkey", "Phone").await;
        // Dave exists but has no passkey.
        app.user("dave", json!({})).await;
        let list = |name: &'static str| {
            let app = &app;
            async move {
                let started = app
                    .start_session(json!({"user": {"login_name": name}}))
                    .await
                    .created();
                let mut session = Session::from(&started);
                let options = challenge(app, &mut session).await;
                (options["publicKey"].clone(), session)
            }
        };
        let (carols, _) = list("carol").await;
        let (nobody, mut session) = list("nobody").await;
        let (nobody_again, _) = list("nobody").await;
        let (daves, _) = list("dave").await;
        let shape = |o: &Value| {
            let mut keys: Vec<String> = o.as_object().unwrap().keys().cloned().collect();
            keys.sort();
            (
                keys,
                o["allowCredentials"].as_array().unwrap().len(),
                o["userVerification"].clone(),
            )
        };
        assert_eq!(shape(&carols), shape(&nobody));
        assert_eq!(shape(&daves), shape(&nobody));
        assert_eq!(
            nobody["allowCredentials"], nobody_again["allowCredentials"],
            "stable"
        );
        assert_ne!(nobody["allowCredentials"], daves["allowCredentials"]);
        // Nothing answers a stand-in list; the refusal reads like a wrong password.
        let fake = phone
            .sign(ORIGIN, &json!({"publicKey": carols}))
            .await
            .unwrap();
        check(&app, &mut session, fake)
            .await
            .problem("invalid_credentials");
    }
}

#[tokio::test]
async fn wrong_origins_challenges_and_expired_ceremonies_are_refused_and_change_nothing() {
    for app in webauthn_apps().await {
        let erin = app.user("erin", json!({"mfa_enabled": true})).await;
        let mut key = SoftAuthenticator::new();
        // A registration from a page the server does not serve is refused; the key stays pending.
        let started = start_registration(&app, &erin, "security_key").await;
        let phished = key
            .register(
                "https://evil.example.com",
                &started["public_key_credential_creation_options"],
            )
            .await
            .unwrap();
        finish_registration(&app, &erin, &started, phished.clone(), json!({}))
            .await
            .problem("invalid_request");
        let listed = app
            .admin_get(&format!("/v1/users/{}/authenticators", erin.id))
            .await
            .ok();
        assert_eq!(listed[0]["state"], "pending");
        assert_eq!(app.events("type=webauthn.refused").await.len(), 1);

        let mut key = SoftAuthenticator::new();
        register(&app, &erin, &mut key, "security_key", "Key").await;
        // An assertion for an older challenge does not answer the newer one.
        let mut session = app.sign_in_with_password(&erin).await;
        let first = challenge(&app, &mut session).await;
        let stale = key.sign(ORIGIN, &first).await.unwrap();
        challenge(&app, &mut session).await;
        check(&app, &mut session, stale)
            .await
            .problem("invalid_code");
        // A ceremony past its five minutes is gone.
        let options = challenge(&app, &mut session).await;
        let late = key.sign(ORIGIN, &options).await.unwrap();
        app.advance(301);
        check(&app, &mut session, late)
            .await
            .problem("code_expired");
        let view = app.get_session(&session).await.ok();
        assert_eq!(view["mfa"]["satisfied"], false);
    }
}

#[tokio::test]
async fn another_users_credential_does_not_answer_a_challenge() {
    for app in webauthn_apps().await {
        let frank = app.user("frank", json!({"mfa_enabled": true})).await;
        let gail = app.user("gail", json!({"mfa_enabled": true})).await;
        let mut franks = SoftAuthenticator::new();
        let mut gails = SoftAuthenticator::new();
        register(&app, &frank, &mut franks, "security_key", "Key").await;
        register(&app, &gail, &mut gails, "security_key", "Key").await;
        let mut frank_session = app.sign_in_with_password(&frank).await;
        let mut gail_session = app.sign_in_with_password(&gail).await;
        challenge(&app, &mut frank_session).await;
        let gail_options = challenge(&app, &mut gail_session).await;
        let gails_assertion = gails.sign(ORIGIN, &gail_options).await.unwrap();
        check(&app, &mut frank_session, gails_assertion)
            .await
            .problem("invalid_code");
    }
}

#[tokio::test]
async fn a_passwordless_sign_in_gets_a_code_from_an_always_mfa_app_and_says_hwk_user_mfa() {
    use support::oidc::{authorize, id_claims_from, register as app};
    for app_ in webauthn_apps().await {
        let kai = app_.user("kai", json!({})).await;
        let mut phone = SoftAuthenticator::new();
        register(&app_, &kai, &mut phone, "passkey", "Phone").await;
        let client = app(&app_, json!({"mode": "always"})).await;
        let request = authorize(&app_, &client, &[("acr_values", "phr")]).await;
        let (mut session, options) = passwordless(&app_, json!({"auth_request_id": request})).await;
        let assertion = phone.sign(ORIGIN, &options).await.unwrap();
        check(&app_, &mut session, assertion).await.ok();
        let id = id_claims_from(&app_, &client, &request, &session).await;
        assert_eq!(id["amr"], json!(["hwk", "user", "mfa"]));
        assert_eq!(id["acr"], "phr");
        assert_eq!(id["sub"], kai.id.as_str());
    }
}

#[tokio::test]
async fn a_lock_is_told_only_after_a_proof_and_a_pass_ends_a_run_of_failures() {
    for app in webauthn_apps().await {
        // Passkeys only as a first factor still let people register them.
        app.settings(json!({"second_factors": ["totp", "webauthn"]}))
            .await;
        let mut ola = app.user("ola", json!({})).await;
        app.enrol_totp(&mut ola, None).await;
        let mut phone = SoftAuthenticator::new();
        register(&app, &ola, &mut phone, "passkey", "Phone").await;

        // Four wrong codes, then a passkey sign-in: the run of failures is over.
        let mut session = app.sign_in_with_password(&ola).await;
        for _ in 0..4 {
            app.check_totp(&mut session, "000000")
                .await
                .problem("invalid_code");
        }
        let (mut first, options) = passwordless(&app, json!({})).await;
        let assertion = phone.sign(ORIGIN, &options).await.unwrap();
        check(&app, &mut first, assertion).await.ok();
        let user = app.admin_get(&format!("/v1/users/{}", ola.id)).await.ok();
        assert_eq!(user["lockout"]["second_factor"]["failures"], 0, "{user}");

        // Locked by five wrong codes: a stale assertion reads as any refusal, a valid one as locked.
        for _ in 0..5 {
            app.check_totp(&mut session, "000000").await;
        }
        let (mut probe, stale_options) = passwordless(&app, json!({})).await;
        let stale = phone.sign(ORIGIN, &stale_options).await.unwrap();
        // A newer challenge: the older assertion cannot answer it.
        challenge(&app, &mut probe).await;
        check(&app, &mut probe, stale)
            .await
            .problem("invalid_credentials");
        let options = challenge(&app, &mut probe).await;
        let valid = phone.sign(ORIGIN, &options).await.unwrap();
        check(&app, &mut probe, valid).await.problem("locked");
    }
}

#[tokio::test]
async fn a_security_key_assertion_spends_an_attempt_and_asks_the_captcha_like_any_guess() {
    for app in webauthn_apps().await {
        app.settings(json!({"second_factors": ["totp", "webauthn"], "lockout": {"mode": "captcha", "captcha_after_failures": 2, "captcha_difficulty": 1000}}))
            .await;
        let mut alice = app.user("alice", json!({"mfa_enabled": true})).await;
        app.enrol_totp(&mut alice, None).await;
        let mut key = SoftAuthenticator::new();
        register(&app, &alice, &mut key, "security_key", "YubiKey").await;
        let mut session = app.sign_in_with_password(&alice).await;
        for _ in 0..2 {
            app.check_totp(&mut session, "000000")
                .await
                .problem("invalid_code");
        }

        // Past the threshold even a valid assertion is not verified without a solved captcha.
        let options = challenge(&app, &mut session).await;
        let assertion = key.sign(ORIGIN, &options).await.unwrap();
        let asked = check(&app, &mut session, assertion)
            .await
            .problem("captcha_required");
        let payload = support::altcha::solve(&asked["altcha"]);
        let options = challenge(&app, &mut session).await;
        let assertion = key.sign(ORIGIN, &options).await.unwrap();
        let passed = app
            .check(
                &mut session,
                json!({"webauthn": {"credential_assertion": assertion}, "captcha": {"payload": payload}}),
            )
            .await
            .ok();
        assert!(passed["checks"]["webauthn"].is_object(), "{passed}");
        // The pass gave its attempt back and ended the run.
        let user = app.admin_get(&format!("/v1/users/{}", alice.id)).await.ok();
        assert_eq!(user["lockout"]["second_factor"]["failures"], 0, "{user}");
    }
}
