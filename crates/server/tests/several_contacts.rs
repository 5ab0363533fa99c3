//! Several verified phone numbers and email addresses per user: each has a `medium_id`, a code
//! challenge may name where the code goes, and the MFA info lists them masked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use support::codes::with_codes;
use support::outbox::Outbox;
use support::{Session, TestApp, app_with_outbox, databases};

async fn sms_challenge(app: &TestApp, session: &mut Session, asked: Value) -> support::Resp {
    app.patch_session(session, json!({"challenges": {"otp_sms": asked}}))
        .await
}

#[tokio::test]
async fn a_second_phone_is_proven_listed_masked_and_named_by_a_challenge() {
    for database in databases() {
        let outbox = Outbox::start().await;
        let app = app_with_outbox(database, &outbox).await;
        app.settings(json!({"otp": {"resend_cooldown_seconds": 0}}))
            .await;
        let alice = with_codes(&app).await;
        let phone = format!("/v1/users/{}/phone", alice.id);

        let added = app
            .admin_post(&phone, json!({"phone": "+49 151 23456789", "add": true}))
            .await
            .ok();
        let second = added["medium_id"].as_str().unwrap().to_owned();
        assert_ne!(second, "primary-phone");
        assert_eq!(added["verified"], false);
        let (code, to) = outbox.last_sms();
        assert_eq!(to, "+4915123456789");
        // The same number twice is refused.
        app.admin_post(&phone, json!({"phone": "+4915123456789", "add": true}))
            .await
            .problem("invalid_request");

        // Unverified, it cannot receive sign-in codes.
        let mut session = app.sign_in_with_password(&alice).await;
        let refused = sms_challenge(&app, &mut session, json!({"medium_id": second}))
            .await
            .problem("invalid_request");
        assert!(
            refused["detail"].as_str().unwrap().contains("not verified"),
            "{refused}"
        );

        let proven = app
            .admin_post(&format!("{phone}/verify"), json!({"code": code}))
            .await
            .ok();
        assert_eq!(proven["medium_id"], second.as_str());
        let user = app.admin_get(&format!("/v1/users/{}", alice.id)).await.ok();
        assert_eq!(user["phone"], "+41791234567");
        assert_eq!(user["phone_verified"], true);

        // The MFA info lists both phones masked, with their ids.
        let mfa = app.get_session(&session).await.ok()["mfa"].clone();
        let phones = mfa["media"]["otp-sms"].as_array().unwrap().clone();
        let ids: Vec<&str> = phones
            .iter()
            .map(|p| p["medium_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["primary-phone", second.as_str()]);
        for listed in &phones {
            let masked = listed["masked"].as_str().unwrap();
            assert!(
                masked.contains('*') && !masked.contains("2345678"),
                "{masked}"
            );
        }
        assert_eq!(mfa["media"]["otp-email"][0]["medium_id"], "primary-email");

        // A challenge naming the second phone goes there; its code passes.
        let sent = sms_challenge(&app, &mut session, json!({"medium_id": second}))
            .await
            .ok();
        assert_eq!(sent["challenges"]["otp_sms"]["medium"], phones[1]["masked"]);
        let (code, to) = outbox.last_sms();
        assert_eq!(to, "+4915123456789");
        let passed = app
            .check(&mut session, json!({"otp_sms": {"code": code}}))
            .await
            .ok();
        assert_eq!(passed["mfa"]["satisfied"], true);

        // Without a medium_id the primary phone gets it, as before.
        let mut other = app.sign_in_with_password(&alice).await;
        sms_challenge(&app, &mut other, json!({})).await.ok();
        assert_eq!(outbox.last_sms().1, "+41791234567");
        // An unknown id is not found; an email's id for an SMS is refused with a clear problem.
        let unknown = sms_challenge(&app, &mut other, json!({"medium_id": "nope"}))
            .await
            .problem("not_found");
        assert_eq!(unknown["detail"], "contact not found");
        sms_challenge(&app, &mut other, json!({"medium_id": "primary-email"}))
            .await
            .problem("invalid_request");
    }
}

#[tokio::test]
async fn nothing_about_contacts_is_listed_before_a_first_factor() {
    for database in databases() {
        let outbox = Outbox::start().await;
        let app = app_with_outbox(database, &outbox).await;
        let alice = with_codes(&app).await;
        app.admin_post(
            &format!("/v1/users/{}/email", alice.id),
            json!({"email": "alice.work@example.com", "add": true, "verified": true}),
        )
        .await
        .ok();
        let started = app
            .start_session(json!({"user": {"login_name": alice.username}}))
            .await
            .created();
        assert_eq!(
            started["mfa"]["media"],
            json!({"otp-email": [], "otp-sms": []})
        );
        let session = app.sign_in_with_password(&alice).await;
        let emails = app.get_session(&session).await.ok()["mfa"]["media"]["otp-email"].clone();
        assert_eq!(emails.as_array().unwrap().len(), 2, "{emails}");
    }
}
