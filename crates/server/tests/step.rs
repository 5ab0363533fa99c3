//! A sign-in step is one transaction, and the second-factor budget a reservation: racing
//! requests neither burn a code for nothing nor get more guesses than the budget.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use support::{Resp, Session, TestApp, apps};

/// Sends every body as a PATCH of the session at once.
async fn race(app: &TestApp, session: &Session, bodies: Vec<Value>) -> Vec<Resp> {
    let url = format!("{}/v1/sessions/{}", app.base, session.id);
    let tasks: Vec<_> = bodies
        .into_iter()
        .map(|body| {
            let (http, url) = (app.http.clone(), url.clone());
            tokio::spawn(async move {
                Resp::from(http.patch(url).json(&body).send().await.unwrap()).await
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers
}

#[tokio::test]
async fn of_two_checks_with_one_token_and_one_code_one_passes_and_the_other_is_told_the_token_is_stale()
 {
    for app in apps().await {
        let alice = app.user_with_totp("alice").await;
        let session = app.sign_in_with_password(&alice).await;
        let code = alice.totp[0].code_at(app.server_now());
        let body = json!({"session_token": session.token, "checks": {"totp": {"code": code}}});
        let answers = race(&app, &session, vec![body.clone(), body]).await;
        let (passed, lost): (Vec<_>, Vec<_>) = answers.into_iter().partition(|a| a.status == 200);
        assert_eq!(passed.len(), 1, "{passed:?} {lost:?} on {}", app.backend);
        assert_eq!(lost.len(), 1);
        lost.into_iter().next().unwrap().problem("unauthorized");
        let passed_events: Vec<_> = app
            .events(&format!("user_id={}&type=session.check_passed", alice.id))
            .await
            .into_iter()
            .filter(|e| e["detail"]["factor"] == "totp")
            .collect();
        assert_eq!(
            passed_events.len(),
            1,
            "one pass in the audit log on {}",
            app.backend
        );
        assert!(
            app.events(&format!("user_id={}&type=session.check_failed", alice.id))
                .await
                .is_empty(),
            "losing the race is no failure"
        );
        // The code was spent once, by the winner: in a new session it is a replay.
        let mut other = app.sign_in_with_password(&alice).await;
        app.check_totp(&mut other, &code)
            .await
            .problem("replayed_code");
        // The loser's reservation went back: only the replay just now is counted.
        let user = app.admin_get(&format!("/v1/users/{}", alice.id)).await.ok();
        assert_eq!(
            user["lockout"]["second_factor"]["failures"], 1,
            "on {}",
            app.backend
        );
    }
}

#[tokio::test]
async fn twelve_concurrent_wrong_codes_are_five_guesses_and_seven_refusals() {
    for app in apps().await {
        let alice = app.user_with_totp("alice").await;
        let session = app.sign_in_with_password(&alice).await;
        let bodies = (0..12)
            .map(|n| json!({"session_token": session.token, "checks": {"totp": {"code": format!("{:06}", 100 + n)}}}))
            .collect();
        let answers = race(&app, &session, bodies).await;
        let codes: Vec<_> = answers
            .iter()
            .map(|a| (a.status, a.body["code"].as_str().unwrap_or("").to_owned()))
            .collect();
        let wrong = codes.iter().filter(|(_, c)| c == "invalid_code").count();
        let locked = codes
            .iter()
            .filter(|(s, c)| *s == 423 && c == "locked")
            .count();
        // Four wrong, the fifth wrong locks, the other seven are refused unevaluated.
        assert_eq!((wrong, locked), (4, 8), "{codes:?} on {}", app.backend);
        let failures = app
            .events(&format!("user_id={}&type=session.check_failed", alice.id))
            .await;
        assert_eq!(
            failures.len(),
            5,
            "exactly five guesses evaluated on {}",
            app.backend
        );
        let locks = app
            .events(&format!("user_id={}&type=user.locked", alice.id))
            .await;
        assert_eq!(locks.len(), 1);
        let user = app.admin_get(&format!("/v1/users/{}", alice.id)).await.ok();
        assert_eq!(user["lockout"]["second_factor"]["consecutive_failures"], 5);
        // The budget spent, the right code is refused too.
        let mut session = session;
        let code = alice.totp[0].code_at(app.server_now());
        app.check_totp(&mut session, &code).await.problem("locked");
    }
}
