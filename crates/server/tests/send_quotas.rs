//! Send quotas over HTTP: the per-user, per-address and per-country windows each refuse the send
//! that would go past them with `429 rate_limited` and the exact wait, and send nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use support::codes::{challenge, with_codes};
use support::outbox::Outbox;
use support::{Resp, TestApp, TestUser, app_with_outbox, databases};

/// A user with MFA, a verified `phone` and SMS codes enabled (the tenant allows them already).
async fn with_phone(app: &TestApp, name: &str, phone: &str) -> TestUser {
    let user = app.user(name, json!({"mfa_enabled": true})).await;
    app.admin_post(
        &format!("/v1/users/{}/phone", user.id),
        json!({"phone": phone, "verified": true}),
    )
    .await
    .ok();
    app.admin_post(&format!("/v1/users/{}/otp-sms", user.id), json!({}))
        .await
        .created();
    user
}

/// Asserts the refusal of a full window: 429, the wait in the header and the body, the reason
/// in the audit log.
async fn assert_refused(app: &TestApp, refused: Resp, reason: &str, retry_after: u64) {
    assert_eq!(refused.status, 429, "{refused:?}");
    assert_eq!(refused.retry_after(), retry_after);
    let body = refused.problem("rate_limited");
    assert_eq!(body["retry_after"], retry_after);
    let limited = app.events("type=code.rate_limited").await;
    assert_eq!(limited.len(), 1, "{limited:?}");
    assert_eq!(limited[0]["detail"]["reason"], reason);
}

#[tokio::test]
async fn a_user_gets_only_so_many_codes_whatever_the_channel() {
    for database in databases() {
        let outbox = Outbox::start().await;
        let app = app_with_outbox(database, &outbox).await;
        let alice = with_codes(&app).await;
        app.settings(json!({"send_quotas": {"per_user": [{"limit": 2, "seconds": 3600}]}}))
            .await;
        let mut session = app.sign_in_with_password(&alice).await;
        app.freeze_clock();
        challenge(&app, &mut session, "otp_sms").await.ok();
        challenge(&app, &mut session, "otp_email").await.ok();
        outbox.email(1).await;
        app.advance(30);
        let refused = challenge(&app, &mut session, "otp_sms").await;
        assert_refused(&app, refused, "user", 3600 - 30).await;
        assert_eq!(outbox.sms_count(), 1, "nothing was sent");
        // Once the first send has left the window, there is room for one more.
        app.advance(3600 - 30);
        challenge(&app, &mut session, "otp_sms").await.ok();
        assert_eq!(outbox.sms_count(), 2);
    }
}

#[tokio::test]
async fn one_address_gets_only_so_many_codes_across_users() {
    for database in databases() {
        let outbox = Outbox::start().await;
        let app = app_with_outbox(database, &outbox).await;
        let alice = with_codes(&app).await;
        let bob = with_phone(&app, "bob", "+41 79 765 43 21").await;
        app.settings(json!({"send_quotas": {"per_ip": [{"limit": 2, "seconds": 600}]}}))
            .await;
        let mut alices = app.sign_in_with_password(&alice).await;
        let mut bobs = app.sign_in_with_password(&bob).await;
        app.freeze_clock();
        challenge(&app, &mut alices, "otp_sms").await.ok();
        challenge(&app, &mut alices, "otp_email").await.ok();
        outbox.email(1).await;
        // Bob has sent nothing, but the sign-ins come from the same address as Alice's.
        let refused = challenge(&app, &mut bobs, "otp_sms").await;
        assert_refused(&app, refused, "ip", 600).await;
        assert_eq!(outbox.sms_count(), 1, "nothing was sent");
        app.advance(600);
        challenge(&app, &mut bobs, "otp_sms").await.ok();
        assert_eq!(outbox.last_sms().1, "+41797654321");
    }
}

#[tokio::test]
async fn one_country_gets_only_so_many_sms_but_email_and_other_countries_go_on() {
    for database in databases() {
        let outbox = Outbox::start().await;
        let app = app_with_outbox(database, &outbox).await;
        let alice = with_codes(&app).await;
        let bob = with_phone(&app, "bob", "+41 79 765 43 21").await;
        let dora = with_phone(&app, "dora", "+49 151 23456789").await;
        app.settings(json!({"send_quotas": {"per_country": [{"limit": 1, "seconds": 60}]}}))
            .await;
        let mut alices = app.sign_in_with_password(&alice).await;
        let mut bobs = app.sign_in_with_password(&bob).await;
        let mut doras = app.sign_in_with_password(&dora).await;
        app.freeze_clock();
        challenge(&app, &mut alices, "otp_sms").await.ok();
        app.advance(10);
        let refused = challenge(&app, &mut bobs, "otp_sms").await;
        assert_refused(&app, refused, "country", 50).await;
        assert_eq!(outbox.sms_count(), 1, "nothing was sent");
        // Email has no country, and Germany's window is empty.
        challenge(&app, &mut alices, "otp_email").await.ok();
        challenge(&app, &mut doras, "otp_sms").await.ok();
        assert_eq!(outbox.last_sms().1, "+4915123456789");
        app.advance(50);
        challenge(&app, &mut bobs, "otp_sms").await.ok();
        let sent: Vec<Value> = app.events("type=code.sent").await;
        assert_eq!(sent.len(), 4);
    }
}
