//! WebAuthn registration: named credentials, exclusions, renames and the last-factor rule,
//! attestation lists, abandoned ceremonies, in-session enrolment, and the relying party's settings.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::json;
use support::config;
use support::webauthn::{
    ORIGIN, SoftAuthenticator, challenge, check, finish_registration, register, start_registration,
    webauthn_apps,
};
use twofold_server::app;

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
        let removed = app
            .admin_delete(&format!("/v1/users/{}/authenticators/{first_id}", hana.id))
            .await;
        assert_eq!(removed.status, 204, "{removed:?}");
        let listed = app
            .admin_get(&format!("/v1/users/{}/authenticators", hana.id))
            .await
            .ok();
        let ids: Vec<_> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [id], "only the spare is left");
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
async fn a_user_who_must_set_up_mfa_registers_a_key_in_her_own_session_and_uses_it() {
    for app in webauthn_apps().await {
        let lea = app.user("lea", json!({"mfa_enabled": true})).await;
        let mut session = app.sign_in_with_password(&lea).await;
        let view = app.get_session(&session).await.ok();
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
