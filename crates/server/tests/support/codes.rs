//! Helpers for tests of SMS and email codes.

use reqwest::Method;
use serde_json::json;

use super::{Resp, Session, TestApp, TestUser};

/// A tenant with both code factors on, and a user with a verified phone and email and both enabled.
pub async fn with_codes(app: &TestApp) -> TestUser {
    app.settings(json!({"second_factors": ["totp", "backup-code", "otp-sms", "otp-email"]}))
        .await;
    let user = app.user("alice", json!({"mfa_enabled": true})).await;
    app.admin_post(
        &format!("/v1/users/{}/phone", user.id),
        json!({"phone": "+41 79 123 45 67", "verified": true}),
    )
    .await
    .ok();
    app.admin_post(
        &format!("/v1/users/{}/email", user.id),
        json!({"email": "alice@example.com", "verified": true}),
    )
    .await
    .ok();
    app.admin_post(&format!("/v1/users/{}/otp-sms", user.id), json!({}))
        .await
        .created();
    app.admin_post(&format!("/v1/users/{}/otp-email", user.id), json!({}))
        .await
        .created();
    user
}

pub async fn challenge(app: &TestApp, session: &mut Session, channel: &str) -> Resp {
    let body = json!({"session_token": session.token, "challenges": {channel: {}}});
    let resp = app
        .request(
            Method::PATCH,
            &format!("/v1/sessions/{}", session.id),
            None,
            Some(body),
        )
        .await;
    if resp.status == 200 {
        session.token = resp.body["session_token"].as_str().unwrap().to_owned();
    }
    resp
}
