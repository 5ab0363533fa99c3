//! `mfa.mode: "prompt"`: a user without a second factor is asked to set one up after their
//! password and may skip it; the skip holds for `mfa_init_skip_lifetime`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use reqwest::Method;
use serde_json::{Value, json};
use support::oidc::{authorize, metadata, register, sign_in_for};
use support::{Session, TestApp, apps};

async fn skip(app: &TestApp, session: &Session) -> support::Resp {
    app.request(
        Method::POST,
        &format!("/v1/sessions/{}/skip-mfa-setup", session.id),
        Some(&session.token),
        None,
    )
    .await
}

async fn mfa_of(app: &TestApp, session: &Session) -> Value {
    app.get_session(session).await.ok()["mfa"].clone()
}

#[tokio::test]
async fn a_user_without_a_second_factor_may_skip_setting_one_up_for_the_skip_lifetime() {
    for app in apps().await {
        app.settings(json!({"mfa": {"mode": "prompt"}, "mfa_init_skip_lifetime": 3600}))
            .await;
        let now = app.freeze_clock();
        let bob = app.user("bob", json!({})).await;
        let client = register(&app, json!({"mode": "off"})).await;
        let request = authorize(&app, &client, &[]).await;
        let session = sign_in_for(&app, &bob, &request).await;
        let asked = mfa_of(&app, &session).await;
        assert_eq!(asked["satisfied"], false);
        assert_eq!(asked["setup_required"], true);
        assert_eq!(asked["setup_skippable"], true);
        assert!(
            asked["factors"]["next"]
                .as_array()
                .unwrap()
                .contains(&json!("totp")),
            "{asked}"
        );
        assert_eq!(
            metadata(&app, &request, Some(&session)).await["validation_type"],
            "mfa_setup_required"
        );

        // Only the person, with their session's own token, skips.
        app.admin_post(
            &format!("/v1/sessions/{}/skip-mfa-setup", session.id),
            json!({}),
        )
        .await
        .problem("forbidden");
        let skipped = skip(&app, &session).await.ok();
        assert_eq!(skipped["mfa"]["satisfied"], true);
        let until = twofold_server::time_text::rfc3339(twofold_core::UnixTime(now as i64 + 3600));
        assert_eq!(skipped["mfa"]["setup_skipped_until"], until.as_str());
        assert!(skipped["mfa"].get("setup_skippable").is_none());
        assert_eq!(
            metadata(&app, &request, Some(&session)).await["validation_type"],
            "ready"
        );
        // Nothing is left to skip now.
        skip(&app, &session).await.problem("conflict");
        let events = app.events("type=session.mfa_setup_skipped").await;
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["user_id"], bob.id.as_str());

        // The next sign-in within the hour is not asked; the one after it is again.
        app.advance(3599);
        let within = app.sign_in_with_password(&bob).await;
        let holds = mfa_of(&app, &within).await;
        assert_eq!(holds["satisfied"], true);
        assert_eq!(holds["setup_skipped_until"], until.as_str());
        app.advance(1);
        let after = app.sign_in_with_password(&bob).await;
        let asked_again = mfa_of(&app, &after).await;
        assert_eq!(asked_again["satisfied"], false);
        assert_eq!(asked_again["setup_skippable"], true);
    }
}

#[tokio::test]
async fn whom_a_group_requires_mfa_of_and_who_has_a_factor_are_not_offered_a_skip() {
    for app in apps().await {
        app.settings(json!({"mfa": {"mode": "prompt"}})).await;
        // One with TOTP is not prompted at all: their factor is asked, as opted in.
        let alice = app.user_with_totp("alice").await;
        let session = app.sign_in_with_password(&alice).await;
        let asked = mfa_of(&app, &session).await;
        assert_eq!(asked["satisfied"], false);
        assert!(asked.get("setup_skippable").is_none());
        skip(&app, &session).await.problem("conflict");

        let carol = app.user("carol", json!({})).await;
        let group = app
            .admin_post(
                "/v1/groups",
                json!({"name": "Ops", "mfa": {"required": true}}),
            )
            .await
            .created();
        let joined = app
            .admin_put(
                &format!(
                    "/v1/groups/{}/members/{}",
                    group["id"].as_str().unwrap(),
                    carol.id
                ),
                json!(null),
            )
            .await;
        assert_eq!(joined.status, 204);
        let session = app.sign_in_with_password(&carol).await;
        let forced = mfa_of(&app, &session).await;
        assert_eq!(forced["setup_required"], true);
        assert!(forced.get("setup_skippable").is_none());
        skip(&app, &session).await.problem("conflict");
    }
}
