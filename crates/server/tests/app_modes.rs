//! App MFA modes through the precheck: smart (risk from device, network and failures), trusted
//! devices and their revocation, time-based per device.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::json;
use support::apps;
use support::oidc::{
    authorize, claims_of, code_of, continue_with, exchange, register, sign_in_for,
};

#[tokio::test]
async fn smart_mode_asks_on_a_strange_device_and_trusts_a_familiar_one() {
    for app in apps().await {
        // App modes decide for people MFA is not otherwise asked of.
        app.settings(json!({"mfa": {"enrolled_factors_required": false}}))
            .await;
        let mut dana = app.user("dana", json!({})).await;
        app.enrol_totp(&mut dana, None).await;
        let client = register(&app, json!({"mode": "smart", "risk_threshold": 50})).await;

        let request = authorize(&app, &client, &[]).await;
        let mut session = sign_in_for(&app, &dana, &request).await;
        let refused = continue_with(&app, &request, &session, json!({}))
            .await
            .problem("mfa_required");
        assert_eq!(refused["next"], json!(["totp"]));
        let seen = app.get_session(&session).await.ok();
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
        app.settings(json!({"mfa": {"enrolled_factors_required": false}}))
            .await;
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
