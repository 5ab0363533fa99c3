//! The lockout types end to end: captcha (an ALTCHA challenge solved by an independent solver),
//! the backup-code fallback with its own budget, and block, which only an administrator lifts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use support::{Session, TestApp, TestUser, altcha, apps};

async fn backup_codes(app: &TestApp, user: &TestUser) -> Vec<String> {
    app.admin_post(&format!("/v1/users/{}/backup-codes", user.id), json!({}))
        .await
        .created()["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect()
}

async fn second_factor(app: &TestApp, user: &TestUser) -> Value {
    app.admin_get(&format!("/v1/users/{}", user.id)).await.ok()["lockout"]["second_factor"].clone()
}

async fn wrong_totp(app: &TestApp, session: &mut Session, times: usize) {
    for _ in 0..times {
        app.check_totp(session, "000000")
            .await
            .problem("invalid_code");
    }
}

/// The payload that solves the challenge a `captcha_required` problem carries.
fn solved(problem: &Value) -> String {
    let challenge = &problem["altcha"];
    for field in ["algorithm", "challenge", "salt", "signature"] {
        assert!(challenge[field].is_string(), "{field} in {challenge}");
    }
    assert!(challenge["maxnumber"].is_u64());
    altcha::solve(challenge)
}

#[tokio::test]
async fn captcha_type_asks_for_a_solved_altcha_past_its_threshold_and_spends_each_once() {
    for app in apps().await {
        app.settings(json!({"lockout": {"mode": "captcha", "captcha_after_failures": 2, "captcha_difficulty": 2000}}))
            .await;
        let alice = app.user_with_totp("alice").await;
        let now = app.freeze_clock();
        let mut session = app.sign_in_with_password(&alice).await;
        let left = app
            .check_totp(&mut session, "000000")
            .await
            .problem("invalid_code");
        assert_eq!(
            left["attempts_left"], 99,
            "only the ceiling is counted down to"
        );
        wrong_totp(&app, &mut session, 1).await;

        // Past the threshold even the right code is not looked at without a solved captcha.
        let right = alice.totp[0].code_at(now);
        let asked = app.check_totp(&mut session, &right).await;
        assert_eq!(asked.status, 401);
        let asked = asked.problem("captcha_required");
        assert_eq!(asked["altcha"]["algorithm"], "SHA-256");
        assert_eq!(asked["altcha"]["maxnumber"], 2000);
        let payload = solved(&asked);
        // A solved captcha lets one guess through: a wrong code is evaluated and counted.
        let with = |code: &str, payload: &str| json!({"totp": {"code": code}, "captcha": {"payload": payload}});
        app.check(&mut session, with("000000", &payload))
            .await
            .problem("invalid_code");
        // The same payload again is spent, whatever the code.
        let again = app
            .check(&mut session, with(&right, &payload))
            .await
            .problem("captcha_required");
        // A forged one (another number) is refused before the code is looked at.
        let forged = {
            let mut p: Value = serde_json::from_slice(
                &data_encoding::BASE64
                    .decode(solved(&again).as_bytes())
                    .unwrap(),
            )
            .unwrap();
            p["number"] = json!(p["number"].as_u64().unwrap() + 1);
            data_encoding::BASE64.encode(p.to_string().as_bytes())
        };
        let refused = app
            .check(&mut session, with(&right, &forged))
            .await
            .problem("captcha_required");
        assert_eq!(second_factor(&app, &alice).await["failures"], 3);
        // A challenge that expired (ten minutes) is refused too.
        let stale = solved(&refused);
        app.advance(600);
        let fresh = app
            .check(&mut session, with(&right, &stale))
            .await
            .problem("captcha_required");
        // Solved and fresh, the right code passes and ends the run: no captcha after it.
        let code = alice.totp[0].code_at(app.server_now());
        app.check(&mut session, with(&code, &solved(&fresh)))
            .await
            .ok();
        let state = second_factor(&app, &alice).await;
        assert_eq!(
            (state["failures"].clone(), state["locked"].clone()),
            (json!(0), json!(false))
        );
        let mut next = app.sign_in_with_password(&alice).await;
        app.check_totp(&mut next, "000000")
            .await
            .problem("invalid_code");
        let started = app
            .events(&format!("user_id={}&type=user.locked", alice.id))
            .await;
        assert_eq!(started.len(), 1, "the captcha requirement starts once");
        assert_eq!(started[0]["detail"]["mode"], "captcha");
        assert_eq!(started[0]["detail"]["captcha_required"], true);
    }
}

#[tokio::test]
async fn a_backup_code_lifts_a_suspension_and_has_a_small_budget_of_its_own() {
    for app in apps().await {
        app.settings(json!({"lockout": {"unlock_attempts": 2}}))
            .await;
        let alice = app.user_with_totp("alice").await;
        let codes = backup_codes(&app, &alice).await;
        let mut session = app.sign_in_with_password(&alice).await;
        wrong_totp(&app, &mut session, 4).await;
        app.check_totp(&mut session, "000000")
            .await
            .problem("locked");

        // While suspended, a wrong backup code spends the unlock budget, not the lock.
        let wrong = app
            .check(
                &mut session,
                json!({"backup_code": {"code": "AAAAA-AAAAA"}}),
            )
            .await
            .problem("invalid_code");
        assert_eq!(wrong["attempts_left"], 1);
        // A right one passes and lifts the suspension.
        let done = app
            .check(&mut session, json!({"backup_code": {"code": codes[0]}}))
            .await
            .ok();
        assert!(done["checks"]["backup_code"].is_object(), "{done}");
        let state = second_factor(&app, &alice).await;
        assert_eq!(state["locked"], false);
        assert_eq!(state["failures"], 0);
        let unlocked = app
            .events(&format!("user_id={}&type=user.unlocked", alice.id))
            .await;
        assert_eq!(unlocked.len(), 1);
        assert_eq!(unlocked[0]["detail"]["by"], "backup_code");
        let fallbacks = app
            .events(&format!("user_id={}&type=user.lock_fallback", alice.id))
            .await;
        let results: Vec<_> = fallbacks
            .iter()
            .map(|e| e["detail"]["result"].clone())
            .collect();
        assert_eq!(results, [json!("failed"), json!("unlocked")]);
        // TOTP works again.
        let mut next = app.sign_in_with_password(&alice).await;
        app.check_totp(&mut next, &alice.totp_now()).await.ok();

        // Locked again, the budget of two is all there is: the second wrong code ends it, and
        // then even a right code is not looked at (and so stays unused).
        let mut locked = app.sign_in_with_password(&alice).await;
        wrong_totp(&app, &mut locked, 4).await;
        app.check_totp(&mut locked, "000000")
            .await
            .problem("locked");
        for (code, answer) in [("AAAAA-AAAAA", "invalid_code"), ("BBBBB-BBBBB", "locked")] {
            app.check(&mut locked, json!({"backup_code": {"code": code}}))
                .await
                .problem(answer);
        }
        let refused = app
            .check(&mut locked, json!({"backup_code": {"code": codes[1]}}))
            .await
            .problem("locked");
        assert!(
            refused["locked_until"].is_string(),
            "a suspension still ends by itself"
        );
        app.admin_post(&format!("/v1/users/{}/unlock", alice.id), json!({}))
            .await
            .ok();
        app.check(&mut locked, json!({"backup_code": {"code": codes[1]}}))
            .await
            .ok();
    }
}

#[tokio::test]
async fn block_stays_blocked_for_backup_codes_until_an_admin_unlocks() {
    for app in apps().await {
        app.settings(json!({"lockout": {"mode": "block", "max_attempts": 3}}))
            .await;
        let alice = app.user_with_totp("alice").await;
        let codes = backup_codes(&app, &alice).await;
        let mut session = app.sign_in_with_password(&alice).await;
        wrong_totp(&app, &mut session, 2).await;
        let blocked = app
            .check_totp(&mut session, "000000")
            .await
            .problem("locked");
        assert_eq!(blocked["locked_until"], Value::Null);
        for _ in 0..3 {
            let refused = app
                .check(&mut session, json!({"backup_code": {"code": codes[0]}}))
                .await
                .problem("locked");
            assert_eq!(refused["locked_until"], Value::Null);
        }
        assert!(
            app.events(&format!("user_id={}&type=user.lock_fallback", alice.id))
                .await
                .is_empty(),
            "a block is no fallback's to lift"
        );
        // Time does not lift it either.
        app.advance(86_400 * 2);
        let mut session = app.sign_in_with_password(&alice).await;
        app.check(&mut session, json!({"backup_code": {"code": codes[0]}}))
            .await
            .problem("locked");
        app.admin_post(&format!("/v1/users/{}/unlock", alice.id), json!({}))
            .await
            .ok();
        app.check(&mut session, json!({"backup_code": {"code": codes[0]}}))
            .await
            .ok();
    }
}

#[tokio::test]
async fn a_backup_code_lifts_the_captcha_requirement() {
    for app in apps().await {
        app.settings(json!({"lockout": {"mode": "captcha", "captcha_after_failures": 2, "captcha_difficulty": 1000}}))
            .await;
        let alice = app.user_with_totp("alice").await;
        let codes = backup_codes(&app, &alice).await;
        let mut session = app.sign_in_with_password(&alice).await;
        wrong_totp(&app, &mut session, 2).await;
        app.check_totp(&mut session, "000000")
            .await
            .problem("captcha_required");
        app.check(&mut session, json!({"backup_code": {"code": codes[0]}}))
            .await
            .ok();
        assert_eq!(second_factor(&app, &alice).await["failures"], 0);
        let mut next = app.sign_in_with_password(&alice).await;
        app.check_totp(&mut next, &alice.totp_now()).await.ok();
        let unlocked = app
            .events(&format!("user_id={}&type=user.unlocked", alice.id))
            .await;
        assert_eq!(unlocked[0]["detail"]["lock"], "captcha");
    }
}

/// A sign-in with a password, and a captcha payload when `payload`.
async fn password_from_here(
    app: &TestApp,
    login_name: &str,
    password: &str,
    payload: Option<&str>,
) -> support::Resp {
    let mut checks =
        json!({"user": {"login_name": login_name}, "password": {"password": password}});
    if let Some(payload) = payload {
        checks["captcha"] = json!({"payload": payload});
    }
    let request = app
        .http
        .post(format!("{}/v1/sessions", app.base))
        .json(&json!({"checks": checks}));
    support::Resp::from(request.send().await.unwrap()).await
}

#[tokio::test]
async fn captcha_type_asks_a_failing_password_source_for_a_captcha_instead_of_a_wait() {
    for app in apps().await {
        app.settings(
            json!({"lockout": {"mode": "captcha", "captcha_difficulty": 1000,
            "per_source": {"free_attempts": 2}, "password_max_attempts": 5}}),
        )
        .await;
        let alice = app.user("alice", json!({})).await;
        let wrong = "wrong horse battery";
        for name in ["alice", "nobody"] {
            for _ in 0..2 {
                password_from_here(&app, name, wrong, None)
                    .await
                    .problem("invalid_credentials");
            }
            // Past the free attempts: no wait, a captcha — for a name nobody has just the same,
            // and even the right password is not looked at without one.
            let asked = password_from_here(&app, name, support::PASSWORD, None).await;
            assert_eq!(asked.status, 401, "{name}");
            assert!(asked.headers.get("retry-after").is_none());
            let asked = asked.problem("captcha_required");
            // Solved, one wrong password is evaluated and counted; the payload is then spent.
            let payload = solved(&asked);
            password_from_here(&app, name, wrong, Some(&payload))
                .await
                .problem("invalid_credentials");
            password_from_here(&app, name, support::PASSWORD, Some(&payload))
                .await
                .problem("captcha_required");
        }
        // A solved captcha with the right password signs in.
        let asked = password_from_here(&app, "alice", support::PASSWORD, None)
            .await
            .problem("captcha_required");
        password_from_here(&app, "alice", support::PASSWORD, Some(&solved(&asked)))
            .await
            .created();
        assert!(
            app.events(&format!("user_id={}&type=session.throttled", alice.id))
                .await
                .is_empty(),
            "nobody was made to wait"
        );

        // The account ceiling still locks the name, captcha or not.
        for _ in 0..2 {
            password_from_here(&app, "alice", wrong, None)
                .await
                .problem("invalid_credentials");
        }
        for expected in ["invalid_credentials", "invalid_credentials", "locked"] {
            let asked = password_from_here(&app, "alice", wrong, None)
                .await
                .problem("captcha_required");
            password_from_here(&app, "alice", wrong, Some(&solved(&asked)))
                .await
                .problem(expected);
        }
        password_from_here(&app, "alice", support::PASSWORD, None)
            .await
            .problem("locked");
    }
}
