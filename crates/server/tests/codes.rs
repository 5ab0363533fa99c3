//! SMS and email codes end to end: real SMTP, a real HTTP gateway, cooldowns, quotas, budgets.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use reqwest::Method;
use serde_json::json;
use support::codes::{challenge, with_codes};
use support::outbox::Outbox;
use support::{Session, app_with_outbox, databases};

#[tokio::test]
async fn an_email_code_proves_the_address_then_signs_in() {
    for database in databases() {
        let outbox = Outbox::start().await;
        let app = app_with_outbox(database, &outbox).await;
        app.settings(json!({"second_factors": ["totp", "otp-email"]}))
            .await;
        let bob = app.user("bob", json!({"mfa_enabled": true})).await;
        let set = app
            .admin_post(
                &format!("/v1/users/{}/email", bob.id),
                json!({"email": "Bob@Example.com"}),
            )
            .await
            .ok();
        assert_eq!(set["verified"], false);
        assert_eq!(set["medium"], "b***b@e*****e.com");
        app.admin_post(&format!("/v1/users/{}/otp-email", bob.id), json!({}))
            .await
            .problem("invalid_request");
        let (code, to) = outbox.email(1).await;
        assert_eq!(to, "bob@example.com");
        let path = format!("/v1/users/{}/email/verify", bob.id);
        app.admin_post(&path, json!({"code": code})).await.ok();
        app.admin_post(&path, json!({"code": code}))
            .await
            .problem("code_expired");
        app.admin_post(&format!("/v1/users/{}/otp-email", bob.id), json!({}))
            .await
            .created();

        let mut session = app.sign_in_with_password(&bob).await;
        let started = challenge(&app, &mut session, "otp_email").await.ok();
        let issued = &started["challenges"]["otp_email"];
        assert_eq!(issued["medium"], "b***b@e*****e.com");
        assert!(issued["exchange_id"].is_string() && issued["expires_at"].is_string());
        assert!(
            issued.get("code").is_none(),
            "a sent code is not also returned"
        );
        assert_eq!(
            started["mfa"]["emails"]["otp-email"],
            json!(["b***b@e*****e.com"])
        );
        let (code, _) = outbox.email(2).await;
        let done = app
            .check(&mut session, json!({"otp_email": {"code": code}}))
            .await
            .ok();
        assert_eq!(done["mfa"]["satisfied"], true);
        assert_eq!(app.events("type=code.sent").await.len(), 2);
    }
}

#[tokio::test]
async fn sms_codes_go_through_the_gateway_and_a_resend_waits_for_the_cooldown() {
    for database in databases() {
        let outbox = Outbox::start().await;
        let app = app_with_outbox(database, &outbox).await;
        let alice = with_codes(&app).await;
        let mut session = app.sign_in_with_password(&alice).await;
        app.freeze_clock();
        challenge(&app, &mut session, "otp_sms").await.ok();
        let (first, to) = outbox.last_sms();
        assert_eq!(to, "+41791234567");

        let again = challenge(&app, &mut session, "otp_sms").await;
        assert_eq!(again.status, 429);
        assert_eq!(again.retry_after(), 30, "the whole cooldown is left");
        again.problem("rate_limited");
        app.advance(29);
        let last_second = challenge(&app, &mut session, "otp_sms").await;
        assert_eq!(last_second.retry_after(), 1);
        last_second.problem("rate_limited");
        assert_eq!(
            outbox.sms_count(),
            1,
            "nothing was sent inside the cooldown"
        );

        // Once the cooldown is over a new code replaces the first. Two random codes in a row
        // match once in a million; resend (the cooldown again) until they differ, so the
        // first one is always tried.
        let mut second = first.clone();
        for _ in 0..3 {
            app.advance(30);
            challenge(&app, &mut session, "otp_sms").await.ok();
            second = outbox.last_sms().0;
            if second != first {
                break;
            }
        }
        assert_ne!(first, second);
        app.check(&mut session, json!({"otp_sms": {"code": first}}))
            .await
            .problem("invalid_code");
        let done = app
            .check(&mut session, json!({"otp_sms": {"code": second}}))
            .await
            .ok();
        assert_eq!(done["mfa"]["satisfied"], true);
    }
}

#[tokio::test]
async fn five_wrong_tries_end_a_challenge_and_every_wrong_code_spends_the_shared_budget() {
    for database in databases() {
        let outbox = Outbox::start().await;
        let app = app_with_outbox(database, &outbox).await;
        app.settings(json!({"lockout": {"max_attempts": 10}})).await;
        let alice = with_codes(&app).await;
        let mut session = app.sign_in_with_password(&alice).await;
        challenge(&app, &mut session, "otp_email").await.ok();
        let (code, _) = outbox.email(1).await;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for left in (0..5).rev() {
            let refused = app
                .check(&mut session, json!({"otp_email": {"code": wrong}}))
                .await
                .problem("invalid_code");
            assert_eq!(refused["attempts_left"], left);
        }
        app.check(&mut session, json!({"otp_email": {"code": code}}))
            .await
            .problem("code_expired");
        let user = app.admin_get(&format!("/v1/users/{}", alice.id)).await.ok();
        assert_eq!(user["lockout"]["second_factor"]["failures"], 5);

        // The same budget as TOTP: five more wrong codes of any kind lock.
        app.advance(31);
        challenge(&app, &mut session, "otp_sms").await.ok();
        for _ in 0..4 {
            app.check(&mut session, json!({"otp_sms": {"code": "12345"}}))
                .await
                .problem("invalid_code");
        }
        app.check(&mut session, json!({"otp_sms": {"code": "12345"}}))
            .await
            .problem("locked");
    }
}

#[tokio::test]
async fn return_code_needs_the_admin_token_or_the_setting_and_sends_nothing() {
    for database in databases() {
        let outbox = Outbox::start().await;
        let app = app_with_outbox(database, &outbox).await;
        let alice = with_codes(&app).await;
        let mut session = app.sign_in_with_password(&alice).await;
        let body = json!({"session_token": session.token, "challenges": {"otp_sms": {"return_code": true}}});
        let path = format!("/v1/sessions/{}", session.id);
        app.request(Method::PATCH, &path, None, Some(body.clone()))
            .await
            .problem("forbidden");
        let returned = app
            .request(Method::PATCH, &path, Some(&app.admin), Some(body))
            .await
            .ok();
        session.token = returned["session_token"].as_str().unwrap().to_owned();
        let code = returned["challenges"]["otp_sms"]["code"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(code.len(), 6);
        assert_eq!(outbox.sms_count(), 0);
        app.check(&mut session, json!({"otp_sms": {"code": code}}))
            .await
            .ok();

        app.settings(json!({"otp": {"allow_return_code": true, "digits": 8}}))
            .await;
        app.advance(31);
        let body = json!({"session_token": session.token, "challenges": {"otp_email": {"return_code": true}}});
        let returned = app
            .request(Method::PATCH, &path, None, Some(body))
            .await
            .ok();
        assert_eq!(
            returned["challenges"]["otp_email"]["code"]
                .as_str()
                .unwrap()
                .len(),
            8
        );
    }
}

#[tokio::test]
async fn a_gateway_that_is_down_answers_503_and_leaves_nothing_behind() {
    for database in databases() {
        let outbox = Outbox::start().await;
        let app = app_with_outbox(database, &outbox).await;
        let alice = with_codes(&app).await;
        let mut session = app.sign_in_with_password(&alice).await;
        outbox.sms_gateway_answers(503);
        let down = challenge(&app, &mut session, "otp_sms").await;
        assert_eq!(down.status, 503);
        down.problem("unavailable");
        assert_eq!(outbox.sms_count(), 3, "retried, then gave up");
        app.check(&mut session, json!({"otp_sms": {"code": "123456"}}))
            .await
            .problem("code_expired");
        assert!(app.events("type=code.sent").await.is_empty());
        // No cooldown was started by the failed send, and the provider is back.
        outbox.sms_gateway_answers(200);
        challenge(&app, &mut session, "otp_sms").await.ok();
    }
}

#[tokio::test]
async fn the_sixth_code_to_one_number_in_an_hour_is_refused() {
    for database in databases() {
        let outbox = Outbox::start().await;
        let app = app_with_outbox(database, &outbox).await;
        let alice = with_codes(&app).await;
        let mut session = app.sign_in_with_password(&alice).await;
        app.freeze_clock();
        for _ in 0..5 {
            challenge(&app, &mut session, "otp_sms").await.ok();
            app.advance(30);
        }
        let refused = challenge(&app, &mut session, "otp_sms").await;
        assert_eq!(refused.status, 429);
        // The first send leaves the hour's window 3600 s after it was made, 150 s ago.
        assert_eq!(refused.retry_after(), 3600 - 150);
        refused.problem("rate_limited");
        let limited = app.events("type=code.rate_limited").await;
        assert_eq!(limited.last().unwrap()["detail"]["reason"], "destination");
        assert_eq!(outbox.sms_count(), 5);
        // Email is another destination: still fine.
        challenge(&app, &mut session, "otp_email").await.ok();
    }
}

#[tokio::test]
async fn sms_outside_the_country_allowlist_is_refused() {
    for database in databases() {
        let outbox = Outbox::start().await;
        let app = app_with_outbox(database, &outbox).await;
        let alice = with_codes(&app).await;
        app.settings(json!({"send_quotas": {"sms_countries": ["DE", "AT"]}}))
            .await;
        let mut session = app.sign_in_with_password(&alice).await;
        challenge(&app, &mut session, "otp_sms")
            .await
            .problem("forbidden");
        assert_eq!(outbox.sms_count(), 0);
    }
}

#[tokio::test]
async fn codes_wait_for_the_first_factor_for_known_and_unknown_users_alike() {
    for database in databases() {
        let outbox = Outbox::start().await;
        let app = app_with_outbox(database, &outbox).await;
        with_codes(&app).await;
        let mut answers = Vec::new();
        for name in ["alice", "nobody"] {
            let created = app
                .start_session(json!({"user": {"login_name": name}}))
                .await
                .created();
            let mut session = Session::from(&created);
            answers.push(
                challenge(&app, &mut session, "otp_sms")
                    .await
                    .problem("invalid_request"),
            );
        }
        assert_eq!(answers[0], answers[1]);
        assert_eq!(outbox.sms_count(), 0);
    }
}

#[tokio::test]
async fn a_requirement_can_leave_email_codes_out() {
    for database in databases() {
        let outbox = Outbox::start().await;
        let app = app_with_outbox(database, &outbox).await;
        let alice = with_codes(&app).await;
        app.settings(json!({"mfa": {"mode": "always", "require": {"oneOf": ["totp", "otp-sms"]}}}))
            .await;
        let mut session = app.sign_in_with_password(&alice).await;
        challenge(&app, &mut session, "otp_email").await.ok();
        let (code, _) = outbox.email(1).await;
        let after_email = app
            .check(&mut session, json!({"otp_email": {"code": code}}))
            .await
            .ok();
        assert_eq!(
            after_email["mfa"]["satisfied"], false,
            "email is weaker and not enough here"
        );
        assert_eq!(
            after_email["mfa"]["factors"]["next"],
            json!(["totp", "otp-sms"])
        );
        challenge(&app, &mut session, "otp_sms").await.ok();
        let (code, _) = outbox.last_sms();
        let done = app
            .check(&mut session, json!({"otp_sms": {"code": code}}))
            .await
            .ok();
        assert_eq!(done["mfa"]["satisfied"], true);
    }
}
