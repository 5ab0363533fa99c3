//! The `security_questions` lockout type end to end, on SQLite and PostgreSQL: a spent
//! second-factor budget locks a user who has questions until they answer them; the answers come
//! from the lock's own unlock budget (shared with backup codes), and once that is spent only an
//! administrator unlocks. A user without questions is suspended instead.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use support::{Session, TestApp, TestUser, apps};

/// The tenant offers TOTP and security questions and locks with the questions after three
/// failures; `lockout` adds to that.
async fn questions_lock(app: &TestApp, lockout: Value) {
    let settings = app.admin_get("/v1/settings/login").await.ok();
    let mut factors = settings["second_factors"].as_array().unwrap().clone();
    factors.push(json!("security-questions"));
    let catalogue: Vec<Value> = ["pet", "city", "school"]
        .iter()
        .map(|id| json!({"id": id, "text": {"en": format!("Your {id}?"), "de": format!("Dein {id}?")}}))
        .collect();
    let mut policy = json!({"mode": "security_questions", "max_attempts": 3});
    support::merge(&mut policy, lockout);
    app.settings(json!({
        "second_factors": factors,
        "security_questions": {"catalogue": catalogue},
        "lockout": policy,
    }))
    .await;
}

/// A user with TOTP and, when `questions`, the three answers `right` gives.
async fn user(app: &TestApp, name: &str, questions: bool) -> TestUser {
    let user = app.user_with_totp(name).await;
    if questions {
        let answers: Vec<Value> = ["pet", "city", "school"]
            .iter()
            .map(|id| json!({"question_id": id, "answer": right(id)}))
            .collect();
        app.admin_put(
            &format!("/v1/users/{}/security-questions", user.id),
            json!({"answers": answers}),
        )
        .await
        .ok();
    }
    user
}

fn right(question_id: &str) -> String {
    format!("the {question_id} answer")
}

/// Asks the questions in `session` and answers each with `answer(question_id)`.
async fn answer(
    app: &TestApp,
    session: &mut Session,
    answer: impl Fn(&str) -> String,
) -> support::Resp {
    let asked = app
        .patch_session(session, json!({"challenges": {"security_questions": {}}}))
        .await
        .ok()["challenges"]["security_questions"]
        .clone();
    let given: Vec<Value> = asked["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            let id = q["question_id"].as_str().unwrap();
            json!({"question_id": id, "answer": answer(id)})
        })
        .collect();
    let checks =
        json!({"security_questions": {"exchange_id": asked["exchange_id"], "answers": given}});
    app.check(session, checks).await
}

async fn second_factor(app: &TestApp, user: &TestUser) -> Value {
    app.admin_get(&format!("/v1/users/{}", user.id)).await.ok()["lockout"]["second_factor"].clone()
}

/// Three wrong TOTP codes: the third locks.
async fn lock(app: &TestApp, session: &mut Session) -> Value {
    for _ in 0..2 {
        app.check_totp(session, "000000")
            .await
            .problem("invalid_code");
    }
    app.check_totp(session, "000000").await.problem("locked")
}

#[tokio::test]
async fn answering_the_questions_lifts_the_lock_and_completes_the_sign_in() {
    for app in apps().await {
        questions_lock(&app, json!({})).await;
        let alice = user(&app, "alice", true).await;
        let mut session = app.sign_in_with_password(&alice).await;
        let locked = lock(&app, &mut session).await;
        assert_eq!(locked["locked_until"], Value::Null, "no timed end");
        // Time does not lift it, and the right TOTP code is not looked at.
        app.advance(86_400 * 2);
        let mut session = app.sign_in_with_password(&alice).await;
        app.check_totp(&mut session, &alice.totp_now())
            .await
            .problem("locked");

        let done = answer(&app, &mut session, right).await.ok();
        assert!(done["checks"]["security_questions"].is_object(), "{done}");
        assert_eq!(done["mfa"]["satisfied"], true, "the kba pass: {done}");
        let state = second_factor(&app, &alice).await;
        assert_eq!(state["locked"], false);
        assert_eq!(state["failures"], 0);
        let unlocked = app
            .events(&format!("user_id={}&type=user.unlocked", alice.id))
            .await;
        assert_eq!(unlocked.len(), 1);
        assert_eq!(unlocked[0]["detail"]["by"], "security_questions");
        assert_eq!(unlocked[0]["detail"]["lock"], "security_questions");
        // TOTP works again.
        let mut next = app.sign_in_with_password(&alice).await;
        let code = alice.totp[0].code_at(app.server_now());
        app.check_totp(&mut next, &code).await.ok();
    }
}

#[tokio::test]
async fn wrong_answers_spend_the_unlock_budget_then_only_an_admin_unlocks() {
    for app in apps().await {
        questions_lock(&app, json!({"unlock_attempts": 2})).await;
        let bob = user(&app, "bob", true).await;
        let codes: Vec<String> = app
            .admin_post(&format!("/v1/users/{}/backup-codes", bob.id), json!({}))
            .await
            .created()["codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        let mut session = app.sign_in_with_password(&bob).await;
        lock(&app, &mut session).await;

        let wrong = answer(&app, &mut session, |_| "not it".to_owned())
            .await
            .problem("invalid_code");
        assert_eq!(wrong["attempts_left"], 1);
        // The last unlock attempt is spent by a wrong backup code: the budget is shared.
        app.check(
            &mut session,
            json!({"backup_code": {"code": "AAAAA-AAAAA"}}),
        )
        .await
        .problem("locked");
        // Now even the right answers and a right code are not looked at.
        let refused = answer(&app, &mut session, right).await.problem("locked");
        assert_eq!(refused["locked_until"], Value::Null);
        app.check(&mut session, json!({"backup_code": {"code": codes[0]}}))
            .await
            .problem("locked");
        assert_eq!(second_factor(&app, &bob).await["locked"], true);
        let failed = app
            .events(&format!("user_id={}&type=session.check_failed", bob.id))
            .await;
        assert!(
            failed
                .iter()
                .any(|e| e["detail"]["factor"] == "security-questions"
                    && e["detail"]["lock"] == "security_questions"),
            "{failed:?}"
        );

        app.admin_post(&format!("/v1/users/{}/unlock", bob.id), json!({}))
            .await
            .ok();
        app.check_totp(&mut session, &bob.totp_now()).await.ok();
    }
}

#[tokio::test]
async fn a_backup_code_still_lifts_a_questions_lock() {
    for app in apps().await {
        questions_lock(&app, json!({})).await;
        let carol = user(&app, "carol", true).await;
        let code = app
            .admin_post(&format!("/v1/users/{}/backup-codes", carol.id), json!({}))
            .await
            .created()["codes"][0]
            .as_str()
            .unwrap()
            .to_owned();
        let mut session = app.sign_in_with_password(&carol).await;
        lock(&app, &mut session).await;
        app.check(&mut session, json!({"backup_code": {"code": code}}))
            .await
            .ok();
        let unlocked = app
            .events(&format!("user_id={}&type=user.unlocked", carol.id))
            .await;
        assert_eq!(unlocked[0]["detail"]["by"], "backup_code");
        assert_eq!(unlocked[0]["detail"]["lock"], "security_questions");
    }
}

#[tokio::test]
async fn a_user_without_questions_is_suspended_instead() {
    for app in apps().await {
        questions_lock(&app, json!({"duration_seconds": 600})).await;
        let dave = user(&app, "dave", false).await;
        let mut session = app.sign_in_with_password(&dave).await;
        let locked = lock(&app, &mut session).await;
        assert!(locked["locked_until"].is_string(), "{locked}");
        app.advance(601);
        let mut session = app.sign_in_with_password(&dave).await;
        let code = dave.totp[0].code_at(app.server_now());
        app.check_totp(&mut session, &code).await.ok();
    }
}
