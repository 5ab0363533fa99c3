//! Security keys as a second factor and passkeys as a passwordless first factor, registered and
//! used with a software authenticator (passkey-rs) through the HTTP API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use support::webauthn::{ORIGIN, RP_ID, SoftAuthenticator};
use support::{Session, TestApp, TestUser, config, databases};
use twofold_server::app;

/// A server per backend with WebAuthn for `example.com`, used from `https://login.example.com`,
/// and both WebAuthn factors on.
async fn webauthn_apps() -> Vec<TestApp> {
    let mut apps = Vec::new();
    for database in databases() {
        let backend = if database.is_some() {
            "postgres"
        } else {
            "sqlite"
        };
        let mut config = config(database);
        config.webauthn_rp_id = Some(RP_ID.to_owned());
        config.webauthn_origins = vec![ORIGIN.to_owned()];
        let app = TestApp::spawn_with(backend, config).await;
        app.settings(json!({
            "first_factors": ["password", "passkey"],
            "second_factors": ["totp", "backup-code", "webauthn", "passkey"],
        }))
        .await;
        apps.push(app);
    }
    apps
}

/// Starts a registration as admin; the answer has the authenticator id and the creation options.
async fn start_registration(app: &TestApp, user: &TestUser, kind: &str) -> Value {
    let started = app
        .admin_post(
            &format!("/v1/users/{}/webauthn", user.id),
            json!({"kind": kind}),
        )
        .await
        .created();
    assert_eq!(started["state"], "pending");
    started
}

/// Finishes a registration as admin with the browser's answer (and `extra`, such as a name).
async fn finish_registration(
    app: &TestApp,
    user: &TestUser,
    started: &Value,
    credential: Value,
    extra: Value,
) -> support::Resp {
    let id = started["authenticator_id"].as_str().unwrap();
    let mut body = json!({"public_key_credential": credential});
    support::merge(&mut body, extra);
    app.admin_post(&format!("/v1/users/{}/webauthn/{id}", user.id), body)
        .await
}

async fn register(
    app: &TestApp,
    user: &TestUser,
    key: &mut SoftAuthenticator,
    kind: &str,
    name: &str,
) -> Value {
    let started = start_registration(app, user, kind).await;
    let options = &started["public_key_credential_creation_options"];
    let credential = key.register(ORIGIN, options).await.unwrap();
    finish_registration(app, user, &started, credential, json!({"name": name}))
        .await
        .ok()
}

/// A session with no user and a WebAuthn challenge: a discoverable (passkey) sign-in, with `extra`
/// in the body; returns the session and the request options.
async fn passwordless(app: &TestApp, extra: Value) -> (Session, Value) {
    let mut body = json!({"challenges": {"webauthn": {}}});
    support::merge(&mut body, extra);
    let started = app
        .request(reqwest::Method::POST, "/v1/sessions", None, Some(body))
        .await
        .created();
    let options =
        started["challenges"]["webauthn"]["public_key_credential_request_options"].clone();
    (Session::from(&started), options)
}

/// Starts a WebAuthn challenge in the session and returns its request options.
async fn challenge(app: &TestApp, session: &mut Session) -> Value {
    let started = app
        .patch_session(session, json!({"challenges": {"webauthn": {}}}))
        .await
        .ok();
    started["challenges"]["webauthn"]["public_key_credential_request_options"].clone()
}

async fn check(app: &TestApp, session: &mut Session, assertion: Value) -> support::Resp {
    app.check(
        session,
        json!({"webauthn": {"credential_assertion": assertion}}),
    )
    .await
}

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
        let view = app
            .request(
                reqwest::Method::GET,
                &format!("/v1/sessions/{}", session.id),
                Some(&session.token),
                None,
            )
            .await
            .ok();
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
async fn several_named_keys_exclusions_renames_and_the_last_factor_rule() {
    for app in webauthn_apps().await {
        let hana = app.user("hana", json!({"mfa_enabled": true})).await;
        let mut key = SoftAuthenticator::new();
        let first = register(&app, &hana, &mut key, "security_key", "Office").await;
        // A second registration excludes what the user already has.
        let started = start_registration(&app, &hana, "security_key").await;
        let excluded =
            &started["public_key_credential_creation_options"]["publicKey"]["excludeCredentials"];
        assert_eq!(excluded.as_array().unwrap().len(), 1, "{excluded}");
        let mut spare = SoftAuthenticator::new();
        let credential = spare
            .register(ORIGIN, &started["public_key_credential_creation_options"])
            .await
            .unwrap();
        let id = started["authenticator_id"].as_str().unwrap();
        finish_registration(
            &app,
            &hana,
            &started,
            credential.clone(),
            json!({"name": "Office"}),
        )
        .await
        .problem("invalid_request");
        finish_registration(
            &app,
            &hana,
            &started,
            credential.clone(),
            json!({"name": "Spare"}),
        )
        .await
        .ok();
        let first_id = first["id"].as_str().unwrap();
        let renamed = app
            .admin_patch(
                &format!("/v1/users/{}/authenticators/{first_id}", hana.id),
                json!({"name": "Desk"}),
            )
            .await
            .ok();
        assert_eq!(renamed["name"], "Desk");
        app.admin_delete(&format!("/v1/users/{}/authenticators/{first_id}", hana.id))
            .await;
        let last = app
            .admin_delete(&format!("/v1/users/{}/authenticators/{id}", hana.id))
            .await;
        last.problem("conflict");
    }
}

#[tokio::test]
async fn attestation_lists_keep_authenticator_models_out() {
    for app in webauthn_apps().await {
        app.settings(
            json!({"webauthn": {"aaguid_deny": ["00000000-0000-0000-0000-000000000000"]}}),
        )
        .await;
        let ivan = app.user("ivan", json!({})).await;
        let mut key = SoftAuthenticator::new();
        let started = start_registration(&app, &ivan, "passkey").await;
        let credential = key
            .register(ORIGIN, &started["public_key_credential_creation_options"])
            .await
            .unwrap();
        finish_registration(&app, &ivan, &started, credential.clone(), json!({}))
            .await
            .problem("forbidden");
    }
}

#[tokio::test]
async fn a_relying_party_that_does_not_fit_its_origins_stops_the_start() {
    let mut bad = config(None);
    bad.webauthn_rp_id = Some("other.com".to_owned());
    bad.webauthn_origins = vec![ORIGIN.to_owned()];
    let refused = app::prepare(&bad).await;
    let message = refused.err().expect("refused").to_string();
    assert!(message.contains("other.com"), "{message}");
    // Without WebAuthn settings the default (an IP address here) only turns WebAuthn off.
    for app in support::apps().await {
        let jo = app.user("jo", json!({})).await;
        app.admin_post(
            &format!("/v1/users/{}/webauthn", jo.id),
            json!({"kind": "passkey"}),
        )
        .await
        .problem("unavailable");
        app.admin_put(
            "/v1/settings/login",
            json!({"first_factors": ["password", "passkey"]}),
        )
        .await
        .problem("invalid_request");
    }
}

#[tokio::test]
async fn a_passwordless_sign_in_gets_a_code_from_an_always_mfa_app_and_says_hwk_user_mfa() {
    use support::oidc::{authorize, claims_of, code_of, continue_with, exchange, register as app};
    for app_ in webauthn_apps().await {
        let kai = app_.user("kai", json!({})).await;
        let mut phone = SoftAuthenticator::new();
        register(&app_, &kai, &mut phone, "passkey", "Phone").await;
        let client = app(&app_, json!({"mode": "always"})).await;
        let request = authorize(&app_, &client, &[("acr_values", "phr")]).await;
        let (mut session, options) = passwordless(&app_, json!({"auth_request_id": request})).await;
        let assertion = phone.sign(ORIGIN, &options).await.unwrap();
        check(&app_, &mut session, assertion).await.ok();
        let answered = continue_with(&app_, &request, &session, json!({}))
            .await
            .ok();
        let code = code_of(&app_, answered["redirect_uri"].as_str().unwrap());
        let tokens = exchange(&app_, &client, &code).await.ok();
        let id = claims_of(tokens["id_token"].as_str().unwrap());
        assert_eq!(id["amr"], json!(["hwk", "user", "mfa"]));
        assert_eq!(id["acr"], "phr");
        assert_eq!(id["sub"], kai.id.as_str());
    }
}

#[tokio::test]
async fn a_user_who_must_set_up_mfa_registers_a_key_in_her_own_session_and_uses_it() {
    for app in webauthn_apps().await {
        let lea = app.user("lea", json!({"mfa_enabled": true})).await;
        let mut session = app.sign_in_with_password(&lea).await;
        let view = app
            .request(
                reqwest::Method::GET,
                &format!("/v1/sessions/{}", session.id),
                Some(&session.token),
                None,
            )
            .await
            .ok();
        assert_eq!(view["mfa"]["setup_required"], true, "{view}");
        let started = app
            .request(
                reqwest::Method::POST,
                &format!("/v1/users/{}/webauthn", lea.id),
                Some(&session.token),
                Some(json!({"kind": "security_key"})),
            )
            .await
            .created();
        let mut key = SoftAuthenticator::new();
        let credential = key
            .register(ORIGIN, &started["public_key_credential_creation_options"])
            .await
            .unwrap();
        let id = started["authenticator_id"].as_str().unwrap();
        app.request(
            reqwest::Method::POST,
            &format!("/v1/users/{}/webauthn/{id}", lea.id),
            Some(&session.token),
            Some(json!({"public_key_credential": credential})),
        )
        .await
        .ok();
        let options = challenge(&app, &mut session).await;
        let assertion = key.sign(ORIGIN, &options).await.unwrap();
        let passed = check(&app, &mut session, assertion).await.ok();
        assert_eq!(passed["mfa"]["satisfied"], true);
        // Someone else's session may not register keys for her.
        let other = app.user("max", json!({})).await;
        let theirs = app.sign_in_with_password(&other).await;
        app.request(
            reqwest::Method::POST,
            &format!("/v1/users/{}/webauthn", lea.id),
            Some(&theirs.token),
            Some(json!({"kind": "security_key"})),
        )
        .await
        .problem("forbidden");
    }
}

#[tokio::test]
async fn an_abandoned_registration_expires_and_is_forgotten() {
    for app in webauthn_apps().await {
        let nia = app.user("nia", json!({})).await;
        let started = start_registration(&app, &nia, "passkey").await;
        let mut phone = SoftAuthenticator::new();
        let late = phone
            .register(ORIGIN, &started["public_key_credential_creation_options"])
            .await
            .unwrap();
        app.advance(300);
        let id = started["authenticator_id"].as_str().unwrap();
        finish_registration(&app, &nia, &started, late.clone(), json!({}))
            .await
            .problem("code_expired");
        // The next start forgets the dead one; the list shows only the new attempt.
        app.admin_post(
            &format!("/v1/users/{}/webauthn", nia.id),
            json!({"kind": "passkey"}),
        )
        .await
        .created();
        let listed = app
            .admin_get(&format!("/v1/users/{}/authenticators", nia.id))
            .await
            .ok();
        assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
        assert_ne!(listed[0]["id"], id);
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
