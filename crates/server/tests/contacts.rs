//! Phone numbers and email addresses: setting, proving, changing, and what a changed one does.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use reqwest::Method;
use serde_json::json;
use support::codes::{challenge, with_codes};
use support::outbox::Outbox;
use support::{app_with_outbox, apps, databases};

#[tokio::test]
async fn a_new_phone_number_suspends_sms_until_it_is_proven() {
    for database in databases() {
        let outbox = Outbox::start().await;
        let app = app_with_outbox(database, &outbox).await;
        let alice = with_codes(&app).await;
        let set = app
            .admin_post(
                &format!("/v1/users/{}/phone", alice.id),
                json!({"phone": "+49 151 23456789"}),
            )
            .await
            .ok();
        assert_eq!(set["verified"], false);
        let state_of_sms = || async {
            let listed = app
                .admin_get(&format!("/v1/users/{}/authenticators", alice.id))
                .await
                .ok();
            listed
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["factor"] == "otp-sms")
                .unwrap()["state"]
                .clone()
        };
        assert_eq!(state_of_sms().await, "pending");
        let (code, to) = outbox.last_sms();
        assert_eq!(to, "+4915123456789");
        app.admin_post(
            &format!("/v1/users/{}/phone/verify", alice.id),
            json!({"code": code}),
        )
        .await
        .ok();
        assert_eq!(state_of_sms().await, "active");
        let kinds: Vec<_> = app
            .events(&format!("user_id={}", alice.id))
            .await
            .iter()
            .map(|e| e["type"].clone())
            .collect();
        assert!(
            kinds.contains(&json!("contact.changed")) && kinds.contains(&json!("contact.verified"))
        );
        app.admin_post(
            &format!("/v1/users/{}/phone", alice.id),
            json!({"phone": "+41 12"}),
        )
        .await
        .problem("invalid_request");
    }
}

#[tokio::test]
async fn messages_speak_the_users_language() {
    for database in databases() {
        let outbox = Outbox::start().await;
        let app = app_with_outbox(database, &outbox).await;
        let alice = with_codes(&app).await;
        app.admin_patch(
            &format!("/v1/users/{}", alice.id),
            json!({"language": "de-CH"}),
        )
        .await
        .ok();
        let mut session = app.sign_in_with_password(&alice).await;
        challenge(&app, &mut session, "otp_sms").await.ok();
        assert!(
            outbox
                .last_sms_text()
                .starts_with("Ihr Code zum Anmelden: "),
            "{}",
            outbox.last_sms_text()
        );
        app.admin_patch(
            &format!("/v1/users/{}", alice.id),
            json!({"language": "not a tag!"}),
        )
        .await
        .problem("invalid_request");
    }
}

#[tokio::test]
async fn a_backend_enrolling_many_users_is_not_held_to_the_per_ip_quota() {
    for database in databases() {
        let outbox = Outbox::start().await;
        let app = app_with_outbox(database, &outbox).await;
        app.settings(json!({"second_factors": ["totp", "otp-email"]}))
            .await;
        for i in 0..35 {
            let user = app.user(&format!("user{i}"), json!({})).await;
            let body = json!({"email": format!("user{i}@example.com")});
            app.admin_post(&format!("/v1/users/{}/email", user.id), body)
                .await
                .ok();
        }
        assert!(app.events("type=code.rate_limited").await.is_empty());
    }
}

#[tokio::test]
async fn a_patched_email_suspends_email_codes_until_verified_again() {
    for database in databases() {
        let outbox = Outbox::start().await;
        let app = app_with_outbox(database, &outbox).await;
        let alice = with_codes(&app).await;
        let state_of_email = || async {
            let listed = app
                .admin_get(&format!("/v1/users/{}/authenticators", alice.id))
                .await
                .ok();
            listed
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["factor"] == "otp-email")
                .unwrap()["state"]
                .clone()
        };
        app.admin_patch(
            &format!("/v1/users/{}", alice.id),
            json!({"mfa_enabled": true}),
        )
        .await
        .ok();
        assert_eq!(
            state_of_email().await,
            "active",
            "an unrelated change leaves it alone"
        );
        app.admin_patch(
            &format!("/v1/users/{}", alice.id),
            json!({"email": "new@example.com"}),
        )
        .await
        .ok();
        assert_eq!(state_of_email().await, "pending");
        app.admin_patch(
            &format!("/v1/users/{}", alice.id),
            json!({"email_verified": true}),
        )
        .await
        .ok();
        assert_eq!(state_of_email().await, "active");
    }
}

#[tokio::test]
async fn a_signed_in_person_changes_their_own_number() {
    for database in databases() {
        let outbox = Outbox::start().await;
        let app = app_with_outbox(database, &outbox).await;
        let alice = with_codes(&app).await;
        let mut session = app.sign_in_with_password(&alice).await;
        let path = format!("/v1/users/{}/phone", alice.id);
        let body = json!({"phone": "+49 151 23456789"});
        app.request(
            Method::POST,
            &path,
            Some(&session.token),
            Some(body.clone()),
        )
        .await
        .problem("mfa_required");
        challenge(&app, &mut session, "otp_email").await.ok();
        let (code, _) = outbox.email(1).await;
        app.check(&mut session, json!({"otp_email": {"code": code}}))
            .await
            .ok();
        let changed = app
            .request(Method::POST, &path, Some(&session.token), Some(body))
            .await
            .ok();
        assert_eq!(changed["verified"], false);
        let (code, to) = outbox.last_sms();
        assert_eq!(to, "+4915123456789");
        let verify = format!("/v1/users/{}/phone/verify", alice.id);
        app.request(
            Method::POST,
            &verify,
            Some(&session.token),
            Some(json!({"code": code})),
        )
        .await
        .ok();
        let marked = json!({"phone": "+41 79 123 45 67", "verified": true});
        app.request(Method::POST, &path, Some(&session.token), Some(marked))
            .await
            .problem("forbidden");
    }
}

#[tokio::test]
async fn with_no_transport_configured_sending_says_what_to_set() {
    for app in apps().await {
        app.settings(json!({"second_factors": ["totp", "otp-email"]}))
            .await;
        let carol = app.user("carol", json!({})).await;
        let resp = app
            .admin_post(
                &format!("/v1/users/{}/email", carol.id),
                json!({"email": "carol@example.com"}),
            )
            .await;
        assert_eq!(resp.status, 503);
        let body = resp.problem("unavailable");
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("TWOFOLD_SMTP_URL"),
            "{body}"
        );
    }
}
