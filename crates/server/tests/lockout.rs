//! Lockout and throttling: budgets per user, suspension and block, limits per client address.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::json;
use support::{PASSWORD, apps};

#[tokio::test]
async fn concurrent_wrong_codes_are_each_counted() {
    for app in apps().await {
        let alice = app.user_with_totp("alice").await;
        let mut tasks = Vec::new();
        for n in 0..4 {
            let session = app.sign_in_with_password(&alice).await;
            let (http, url) = (
                app.http.clone(),
                format!("{}/v1/sessions/{}", app.base, session.id),
            );
            let body = json!({"session_token": session.token, "checks": {"totp": {"code": format!("00000{n}")}}});
            tasks.push(tokio::spawn(async move {
                http.patch(url)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap(), 401);
        }
        let user = app.admin_get(&format!("/v1/users/{}", alice.id)).await.ok();
        assert_eq!(
            user["lockout"]["second_factor"]["failures"], 4,
            "on {}",
            app.backend
        );
        assert_eq!(
            app.events(&format!("user_id={}&type=session.check_failed", alice.id))
                .await
                .len(),
            4
        );
    }
}

#[tokio::test]
async fn five_wrong_codes_lock_for_fifteen_minutes_until_an_admin_unlocks() {
    for app in apps().await {
        let alice = app.user_with_totp("alice").await;
        let mut session = app.sign_in_with_password(&alice).await;
        for left in (1..=4).rev() {
            let refused = app
                .check_totp(&mut session, "000000")
                .await
                .problem("invalid_code");
            assert_eq!(refused["attempts_left"], left);
        }
        let locked = app
            .check_totp(&mut session, "000000")
            .await
            .problem("locked");
        assert_eq!(locked["status"], 423);
        assert!(locked["locked_until"].is_string());
        // Locked: even the right code is refused, and the session is unchanged by it.
        let token_before = session.token.clone();
        app.check_totp(&mut session, &alice.totp_now())
            .await
            .problem("locked");
        assert_eq!(session.token, token_before);
        let view = app.get_session(&session).await.ok();
        assert!(view["checks"].get("totp").is_none());
        assert_eq!(
            app.events(&format!("user_id={}&type=user.locked", alice.id))
                .await
                .len(),
            1
        );

        let unlocked = app
            .admin_post(&format!("/v1/users/{}/unlock", alice.id), json!({}))
            .await
            .ok();
        assert_eq!(unlocked["lockout"]["second_factor"]["locked"], false);
        app.check_totp(&mut session, &alice.totp_now()).await.ok();
        assert_eq!(
            app.events(&format!("user_id={}&type=user.unlocked", alice.id))
                .await
                .len(),
            1
        );
    }
}

#[tokio::test]
async fn a_suspension_ends_by_itself_after_fifteen_minutes() {
    for app in apps().await {
        let alice = app.user_with_totp("alice").await;
        let mut session = app.sign_in_with_password(&alice).await;
        app.freeze_clock();
        for _ in 0..5 {
            app.check_totp(&mut session, "000000").await;
        }
        // The clock stands still: the last second of the suspension, then its end.
        app.advance(899);
        let code = alice.totp[0].code_at(app.server_now());
        app.check_totp(&mut session, &code).await.problem("locked");
        app.advance(1);
        let mut fresh = app.sign_in_with_password(&alice).await;
        app.check_totp(&mut fresh, &alice.totp[0].code_at(app.server_now()))
            .await
            .ok();
    }
}

#[tokio::test]
async fn block_mode_holds_until_unlock_and_a_success_resets_the_run() {
    for app in apps().await {
        app.settings(json!({"lockout": {"mode": "block", "max_attempts": 3}}))
            .await;
        let alice = app.user_with_totp("alice").await;
        let mut session = app.sign_in_with_password(&alice).await;
        app.check_totp(&mut session, "111111")
            .await
            .problem("invalid_code");
        app.check_totp(&mut session, "222222")
            .await
            .problem("invalid_code");
        app.check_totp(&mut session, &alice.totp_now()).await.ok();
        let user = app.admin_get(&format!("/v1/users/{}", alice.id)).await.ok();
        assert_eq!(
            user["lockout"]["second_factor"]["failures"], 0,
            "a pass ends the run of failures"
        );
        for _ in 0..2 {
            app.check_totp(&mut session, "333333")
                .await
                .problem("invalid_code");
        }
        let locked = app
            .check_totp(&mut session, "444444")
            .await
            .problem("locked");
        assert_eq!(
            locked["locked_until"],
            serde_json::Value::Null,
            "blocked has no end"
        );
    }
}

#[tokio::test]
async fn wrong_passwords_make_their_source_wait_without_locking_the_account() {
    for app in apps().await {
        let bob = app.user("bob", json!({})).await;
        for _ in 0..5 {
            app.start_session(json!({"user": {"login_name": "bob"}, "password": {"password": "wrong horse battery"}}))
                .await
                .problem("invalid_credentials");
        }
        // The sixth try waits, even with the right password: this source is slowed down.
        let waiting = app
            .start_session(
                json!({"user": {"login_name": "bob"}, "password": {"password": PASSWORD}}),
            )
            .await;
        assert_eq!(waiting.status, 429);
        let retry = waiting.headers["retry-after"].to_str().unwrap().to_owned();
        assert!(retry == "60" || retry == "59", "{retry}");
        waiting.problem("rate_limited");
        let user = app.admin_get(&format!("/v1/users/{}", bob.id)).await.ok();
        assert_eq!(user["lockout"]["password"]["locked"], false);
        assert_eq!(user["lockout"]["password"]["failures"], 5);
        assert_eq!(user["lockout"]["second_factor"]["failures"], 0);
        app.advance(60);
        app.start_session(
            json!({"user": {"login_name": "bob"}, "password": {"password": PASSWORD}}),
        )
        .await
        .created();
        let user = app.admin_get(&format!("/v1/users/{}", bob.id)).await.ok();
        assert_eq!(
            user["lockout"]["password"]["failures"], 0,
            "a pass ends the run"
        );
    }
}

#[tokio::test]
async fn one_address_spraying_passwords_across_users_is_slowed_down() {
    for app in apps().await {
        app.settings(json!({"lockout": {"per_ip": {"limit": 3, "seconds": 600}}}))
            .await;
        app.freeze_clock();
        for name in ["ann", "ben", "cat", "dan"] {
            app.user(name, json!({})).await;
        }
        for name in ["ann", "ben", "nobody"] {
            app.start_session(
                json!({"user": {"login_name": name}, "password": {"password": "Summer2026!"}}),
            )
            .await
            .problem("invalid_credentials");
        }
        // Even the right password of a fourth user waits: the address is throttled, not the user.
        let throttled = app
            .start_session(
                json!({"user": {"login_name": "dan"}, "password": {"password": PASSWORD}}),
            )
            .await;
        assert_eq!(throttled.status, 429);
        assert_eq!(throttled.retry_after(), 600);
        throttled.problem("rate_limited");
        assert_eq!(app.events("type=session.throttled").await.len(), 1);
        let ann = app.admin_get("/v1/events?type=user.locked").await.ok();
        assert!(
            ann["events"].as_array().unwrap().is_empty(),
            "no account was locked"
        );
        app.advance(600);
        app.start_session(
            json!({"user": {"login_name": "dan"}, "password": {"password": PASSWORD}}),
        )
        .await
        .created();
    }
}
