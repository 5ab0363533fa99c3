//! Second-factor lockout escalates: each suspension in a run of failures is longer than the last,
//! and a ceiling of consecutive failures blocks the factor until an admin unlocks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::json;
use support::{Session, TestApp, TestUser, apps};

/// Five wrong codes: the fifth answers `locked`; returns the lock's `locked_until` body value.
async fn spend_budget(app: &TestApp, session: &mut Session) -> serde_json::Value {
    for _ in 0..4 {
        app.check_totp(session, "000000")
            .await
            .problem("invalid_code");
    }
    app.check_totp(session, "000000").await.problem("locked")["locked_until"].clone()
}

async fn lock_durations(app: &TestApp, user: &TestUser) -> Vec<serde_json::Value> {
    app.events(&format!("user_id={}&type=user.locked", user.id))
        .await
        .iter()
        .map(|e| json!([e["detail"]["level"], e["detail"]["duration_seconds"]]))
        .collect()
}

#[tokio::test]
async fn each_suspension_in_a_run_is_longer_than_the_one_before() {
    for app in apps().await {
        let alice = app.user_with_totp("alice").await;
        let mut session = app.sign_in_with_password(&alice).await;
        spend_budget(&app, &mut session).await;
        app.advance(901);
        spend_budget(&app, &mut session).await;
        // Fifteen minutes are no longer enough: the second suspension lasts thirty.
        app.advance(901);
        let code = alice.totp[0].code_at(app.server_now());
        app.check_totp(&mut session, &code).await.problem("locked");
        app.advance(900);
        let code = alice.totp[0].code_at(app.server_now());
        app.check_totp(&mut session, &code).await.ok();
        assert_eq!(
            lock_durations(&app, &alice).await,
            [json!([1, 900]), json!([2, 1800])],
            "on {}",
            app.backend
        );
        // A passed second factor ends the run: the next suspension is fifteen minutes again.
        let user = app.admin_get(&format!("/v1/users/{}", alice.id)).await.ok();
        assert_eq!(user["lockout"]["second_factor"]["lockouts"], 0);
        assert_eq!(user["lockout"]["second_factor"]["consecutive_failures"], 0);
        spend_budget(&app, &mut session).await;
        assert_eq!(lock_durations(&app, &alice).await[2], json!([1, 900]));
    }
}

#[tokio::test]
async fn a_hundred_consecutive_failures_block_until_an_admin_unlocks() {
    for app in apps().await {
        let alice = app.user_with_totp("alice").await;
        // Nineteen suspensions, each twice as long as the last up to a day, then the ceiling.
        let mut waited = Vec::new();
        for round in 0..20u32 {
            let mut session = app.sign_in_with_password(&alice).await;
            let until = spend_budget(&app, &mut session).await;
            if round == 19 {
                assert!(until.is_null(), "blocked: no end");
                break;
            }
            let wait = (900u64 << round).min(86_400);
            waited.push(wait);
            app.advance(wait as i64 + 1);
        }
        assert_eq!(waited.len(), 19);
        let blocked = app
            .events(&format!("user_id={}&type=user.blocked", alice.id))
            .await;
        assert_eq!(blocked.len(), 1, "on {}", app.backend);
        assert_eq!(blocked[0]["detail"]["consecutive_failures"], 100);
        // A week later the right code is still refused, in a fresh sign-in too.
        app.advance(7 * 86_400);
        let mut session = app.sign_in_with_password(&alice).await;
        let code = alice.totp[0].code_at(app.server_now());
        let refused = app.check_totp(&mut session, &code).await.problem("locked");
        assert!(refused["locked_until"].is_null());

        app.admin_post(&format!("/v1/users/{}/unlock", alice.id), json!({}))
            .await
            .ok();
        app.check_totp(&mut session, &code).await.ok();
        let user = app.admin_get(&format!("/v1/users/{}", alice.id)).await.ok();
        assert_eq!(user["lockout"]["second_factor"]["consecutive_failures"], 0);
    }
}
