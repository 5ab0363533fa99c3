//! Removing a further contact, or the primary one while another second factor remains:
//! `DELETE /v1/users/{id}/phone/{medium_id}` (and `/email/…`), on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use reqwest::Method;
use serde_json::{Value, json};
use support::codes::with_codes;
use support::outbox::Outbox;
use support::{Session, TestApp, app_with_outbox, databases};

async fn sms_challenge(app: &TestApp, session: &mut Session, asked: Value) -> support::Resp {
    app.patch_session(session, json!({"challenges": {"otp_sms": asked}}))
        .await
}

fn phones(mfa: &Value) -> Vec<String> {
    mfa["media"]["otp-sms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["medium_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_further_phone_is_removed_by_its_user_unlisted_and_no_longer_a_target() {
    for database in databases() {
        let outbox = Outbox::start().await;
        let app = app_with_outbox(database, &outbox).await;
        app.settings(json!({"otp": {"resend_cooldown_seconds": 0}}))
            .await;
        let alice = with_codes(&app).await;
        let phone = format!("/v1/users/{}/phone", alice.id);
        let added = app
            .admin_post(
                &phone,
                json!({"phone": "+49 151 23456789", "add": true, "verified": true}),
            )
            .await
            .ok();
        let second = added["medium_id"].as_str().unwrap().to_owned();
        let removal = format!("{phone}/{second}");

        // Before the second factor the session may not remove anything.
        let mut session = app.sign_in_with_password(&alice).await;
        let early = app
            .request(Method::DELETE, &removal, Some(&session.token), None)
            .await;
        assert_eq!(early.status, 403, "{:?}", early.body);
        sms_challenge(&app, &mut session, json!({})).await.ok();
        let (code, _) = outbox.last_sms();
        app.check(&mut session, json!({"otp_sms": {"code": code}}))
            .await
            .ok();

        // Through the email route, a phone's id is no contact of that kind.
        let wrong_kind = format!("/v1/users/{}/email/{second}", alice.id);
        app.request(Method::DELETE, &wrong_kind, Some(&session.token), None)
            .await
            .problem("not_found");

        let removed = app
            .request(Method::DELETE, &removal, Some(&session.token), None)
            .await;
        assert_eq!(removed.status, 204, "{:?}", removed.body);
        app.request(Method::DELETE, &removal, Some(&session.token), None)
            .await
            .problem("not_found");

        let events = app
            .events(&format!("type=contact.removed&user_id={}", alice.id))
            .await;
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0]["detail"]["medium_id"], second.as_str());
        assert_eq!(events[0]["detail"]["channel"], "sms");
        let to = events[0]["detail"]["to"].as_str().unwrap();
        assert!(to.contains('*') && !to.contains("2345678"), "{to}");

        let mfa = app.get_session(&session).await.ok()["mfa"].clone();
        assert_eq!(phones(&mfa), ["primary-phone"]);
        let mut other = app.sign_in_with_password(&alice).await;
        sms_challenge(&app, &mut other, json!({"medium_id": second}))
            .await
            .problem("not_found");
    }
}

#[tokio::test]
async fn a_code_sent_to_a_removed_phone_no_longer_passes() {
    for database in databases() {
        let outbox = Outbox::start().await;
        let app = app_with_outbox(database, &outbox).await;
        let alice = with_codes(&app).await;
        let phone = format!("/v1/users/{}/phone", alice.id);
        let added = app
            .admin_post(
                &phone,
                json!({"phone": "+49 151 23456789", "add": true, "verified": true}),
            )
            .await
            .ok();
        let second = added["medium_id"].as_str().unwrap().to_owned();
        let mut session = app.sign_in_with_password(&alice).await;
        sms_challenge(&app, &mut session, json!({"medium_id": second}))
            .await
            .ok();
        let (code, to) = outbox.last_sms();
        assert_eq!(to, "+4915123456789");

        let removed = app.admin_delete(&format!("{phone}/{second}")).await;
        assert_eq!(removed.status, 204, "{:?}", removed.body);
        // The code ended with the address: as if it had expired.
        app.check(&mut session, json!({"otp_sms": {"code": code}}))
            .await
            .problem("code_expired");
        let view = app.get_session(&session).await.ok();
        assert_eq!(view["mfa"]["satisfied"], false, "{view}");
    }
}

#[tokio::test]
async fn the_primary_contact_goes_only_while_another_second_factor_remains() {
    for database in databases() {
        let outbox = Outbox::start().await;
        let app = app_with_outbox(database, &outbox).await;
        // Alice must use MFA; her second factors are `otp-sms` and `otp-email`.
        let alice = with_codes(&app).await;
        let user_path = format!("/v1/users/{}", alice.id);

        let removed = app
            .admin_delete(&format!("{user_path}/phone/primary-phone"))
            .await;
        assert_eq!(removed.status, 204, "{:?}", removed.body);
        let user = app.admin_get(&user_path).await.ok();
        assert_eq!(user["phone"], Value::Null, "{user}");
        let authenticators = app
            .admin_get(&format!("{user_path}/authenticators"))
            .await
            .ok();
        let sms = authenticators
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["factor"] == "otp-sms")
            .unwrap()
            .clone();
        assert_ne!(sms["state"], "active", "{sms}");
        let session = app.sign_in_with_password(&alice).await;
        let mfa = app.get_session(&session).await.ok()["mfa"].clone();
        assert!(phones(&mfa).is_empty(), "{mfa}");

        // Now the email is the only way to her last second factor: it stays.
        let refused = app
            .admin_delete(&format!("{user_path}/email/primary-email"))
            .await
            .problem("conflict");
        assert!(
            refused["detail"]
                .as_str()
                .unwrap()
                .contains("last second factor"),
            "{refused}"
        );
        let user = app.admin_get(&user_path).await.ok();
        assert_eq!(user["email"], "alice@example.com");
        assert_eq!(user["email_verified"], true);
        let removals = app
            .events(&format!("type=contact.removed&user_id={}", alice.id))
            .await;
        assert_eq!(removals.len(), 1, "{removals:?}");
        assert_eq!(removals[0]["detail"]["medium_id"], "primary-phone");

        // Without MFA required, it may go too.
        app.admin_patch(&user_path, json!({"mfa_enabled": false}))
            .await
            .ok();
        let removed = app
            .admin_delete(&format!("{user_path}/email/primary-email"))
            .await;
        assert_eq!(removed.status, 204, "{:?}", removed.body);
        app.admin_delete(&format!("{user_path}/email/primary-email"))
            .await
            .problem("not_found");
    }
}
