//! Login settings change only where asked (PATCH merges, PUT must be whole), and factors are on
//! by default wherever the server can deliver them, and never offered or enabled where it cannot.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use reqwest::Method;
use serde_json::json;
use support::outbox::Outbox;
use support::webauthn::{ORIGIN, RP_ID};
use support::{TestApp, apps, config, databases};

const SETTINGS: &str = "/v1/settings/login";

#[tokio::test]
async fn put_refuses_a_partial_body_and_names_what_is_missing() {
    for app in apps().await {
        let before = app.admin_get(SETTINGS).await.ok();
        let refused = app
            .admin_put(SETTINGS, json!({"second_factors": ["totp"]}))
            .await
            .problem("invalid_request");
        let detail = refused["detail"].as_str().unwrap();
        for named in ["first_factors", "lockout", "mfa", "PATCH"] {
            assert!(detail.contains(named), "{detail}");
        }
        assert!(!detail.contains("second_factors"), "{detail}");
        for body in [json!([]), json!({})] {
            app.admin_put(SETTINGS, body)
                .await
                .problem("invalid_request");
        }
        let mut partial_mfa = before.clone();
        partial_mfa["mfa"] = json!({"mode": "always"});
        let refused = app
            .admin_put(SETTINGS, partial_mfa)
            .await
            .problem("invalid_request");
        assert!(
            refused["detail"]
                .as_str()
                .unwrap()
                .contains("mfa.enrolled_factors_required")
        );
        assert_eq!(app.admin_get(SETTINGS).await.ok(), before);

        let mut whole = before.clone();
        whole["otp"]["digits"] = json!(8);
        assert_eq!(app.admin_put(SETTINGS, whole.clone()).await.ok(), whole);
        assert_eq!(app.admin_get(SETTINGS).await.ok(), whole);
    }
}

#[tokio::test]
async fn patch_merges_what_it_names_and_null_resets_a_field_to_its_default() {
    for app in apps().await {
        let before = app.admin_get(SETTINGS).await.ok();
        let patched = app
            .admin_patch(SETTINGS, json!({"lockout": {"max_attempts": 3}}))
            .await
            .ok();
        assert_eq!(patched["lockout"]["max_attempts"], 3);
        assert_eq!(patched["lockout"]["duration_seconds"], 900);
        assert_eq!(patched["second_factors"], before["second_factors"]);

        let patched = app
            .admin_patch(SETTINGS, json!({"second_factors": ["totp", "backup-code"]}))
            .await
            .ok();
        assert_eq!(patched["second_factors"], json!(["totp", "backup-code"]));
        assert_eq!(
            patched["lockout"]["max_attempts"], 3,
            "lists replace, nothing else"
        );

        // RFC 7396's own media type is accepted too.
        let resp = app
            .raw(
                Method::PATCH,
                SETTINGS,
                "application/merge-patch+json",
                r#"{"lockout": {"max_attempts": null}, "otp": {"digits": 7}}"#,
            )
            .await;
        assert_eq!(resp.status, 200, "{:?}", resp.body);
        let saved = app.admin_get(SETTINGS).await.ok();
        assert_eq!(saved["lockout"]["max_attempts"], 5);
        assert_eq!(saved["otp"]["digits"], 7);

        // Validated as a whole after merging: nothing changes when the result is invalid.
        for bad in [
            json!({"mfa": {"require": "webauthn"}}),
            json!({"colour": "blue"}),
            json!({"otp": {"digits": 3}}),
            json!([]),
        ] {
            app.admin_patch(SETTINGS, bad.clone())
                .await
                .problem("invalid_request");
        }
        assert_eq!(app.admin_get(SETTINGS).await.ok(), saved);
    }
}

#[tokio::test]
async fn patches_of_different_fields_at_once_lose_no_change() {
    for app in apps().await {
        for round in 0..3u64 {
            let patch = |field: &str, value: u64| {
                let (outer, inner) = field.split_once('.').unwrap();
                let body = match inner.split_once('.') {
                    Some((middle, last)) => json!({outer: {middle: {last: value}}}),
                    None => json!({outer: {inner: value}}),
                };
                app.admin_patch(SETTINGS, body)
            };
            let answers = tokio::join!(
                patch("lockout.max_attempts", 2 + round),
                patch("lockout.duration_seconds", 600 + round),
                patch("lockout.password_max_attempts", 50 + round),
                patch("lockout.per_ip.limit", 40 + round),
                patch("lockout.per_source.free_attempts", 6 + round),
                patch("lockout.per_source.delay_seconds", 30 + round),
            );
            let answers = [
                ("/lockout/max_attempts", 2 + round, answers.0),
                ("/lockout/duration_seconds", 600 + round, answers.1),
                ("/lockout/password_max_attempts", 50 + round, answers.2),
                ("/lockout/per_ip/limit", 40 + round, answers.3),
                ("/lockout/per_source/free_attempts", 6 + round, answers.4),
                ("/lockout/per_source/delay_seconds", 30 + round, answers.5),
            ];
            let saved = app.admin_get(SETTINGS).await.ok();
            for (pointer, value, answer) in answers {
                if answer.status == 409 {
                    // Kept losing to the others: refused, never silently dropped.
                    answer.problem("conflict");
                    continue;
                }
                answer.ok();
                assert_eq!(
                    saved.pointer(pointer),
                    Some(&json!(value)),
                    "{pointer} was lost"
                );
            }
        }
    }
}

#[tokio::test]
async fn factors_the_server_cannot_deliver_are_neither_offered_nor_enabled() {
    // The harness's server has no SMS or email transport and, at an IP address, no WebAuthn.
    for app in apps().await {
        let defaults = app.admin_get(SETTINGS).await.ok();
        assert_eq!(
            defaults["second_factors"],
            json!([
                "totp",
                "webauthn",
                "passkey",
                "otp-email",
                "otp-sms",
                "backup-code"
            ])
        );
        assert_eq!(defaults["mfa"]["enrolled_factors_required"], true);
        let hal = app
            .user(
                "hal",
                json!({"mfa_enabled": true,
                       "phone": "+41 79 123 45 67", "phone_verified": true,
                       "email": "hal@example.com", "email_verified": true}),
            )
            .await;
        let refused = app
            .admin_post(&format!("/v1/users/{}/otp-sms", hal.id), json!({}))
            .await
            .problem("conflict");
        assert!(
            refused["detail"]
                .as_str()
                .unwrap()
                .contains("no SMS transport"),
            "{refused}"
        );
        app.admin_post(&format!("/v1/users/{}/otp-email", hal.id), json!({}))
            .await
            .problem("conflict");
        let session = app.sign_in_with_password(&hal).await;
        let view = app.get_session(&session).await.ok();
        assert_eq!(
            view["mfa"]["factors"]["allowed_to_setup"],
            json!(["totp", "backup-code"])
        );
        assert_eq!(view["mfa"]["factors"]["next"], json!(["totp"]));

        // Where a factor must work, naming one that cannot is refused.
        app.admin_patch(SETTINGS, json!({"mfa": {"require": "otp-sms"}}))
            .await
            .problem("invalid_request");
        app.admin_patch(SETTINGS, json!({"first_factors": ["password", "passkey"]}))
            .await
            .problem("invalid_request");
        app.admin_patch(
            &format!("/v1/users/{}", hal.id),
            json!({"required_factors": ["otp-sms"]}),
        )
        .await
        .problem("invalid_request");
    }
}

async fn fully_equipped(database: Option<String>, outbox: &Outbox) -> TestApp {
    let backend = if database.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    let mut config = config(database);
    config.delivery.smtp_url = Some(format!("smtp://127.0.0.1:{}", outbox.smtp_port));
    config.delivery.email_from = Some("Twofold <no-reply@example.com>".to_owned());
    config.delivery.sms_gateway_url = Some(outbox.sms_url.clone());
    config.webauthn_rp_id = Some(RP_ID.to_owned());
    config.webauthn_origins = vec![ORIGIN.to_owned()];
    TestApp::spawn_with(backend, config).await
}

#[tokio::test]
async fn with_transports_and_a_relying_party_every_factor_is_on_by_default() {
    for database in databases() {
        let outbox = Outbox::start().await;
        let app = fully_equipped(database, &outbox).await;
        let ida = app
            .user(
                "ida",
                json!({"mfa_enabled": true, "phone": "+41 79 123 45 67", "phone_verified": true}),
            )
            .await;
        let session = app.sign_in_with_password(&ida).await;
        let view = app.get_session(&session).await.ok();
        assert_eq!(
            view["mfa"]["factors"]["allowed_to_setup"],
            json!([
                "totp",
                "webauthn",
                "passkey",
                "otp-email",
                "otp-sms",
                "backup-code"
            ])
        );
        assert_eq!(
            view["mfa"]["factors"]["next"],
            json!(["totp", "webauthn", "passkey", "otp-email", "otp-sms"])
        );
        app.admin_post(&format!("/v1/users/{}/otp-sms", ida.id), json!({}))
            .await
            .created();
        app.admin_post(
            &format!("/v1/users/{}/webauthn", ida.id),
            json!({"kind": "passkey"}),
        )
        .await
        .created();
    }
}
