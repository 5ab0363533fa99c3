//! Signing in: password, TOTP, backup codes, replay, token rotation, enumeration.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::json;
use support::{PASSWORD, Resp, Session, apps};

#[tokio::test]
async fn password_then_totp_satisfies_mfa_and_every_update_rotates_the_token() {
    for app in apps().await {
        let alice = app.user_with_totp("alice").await;
        let started = app
            .start_session(
                json!({"user": {"login_name": "alice"}, "password": {"password": PASSWORD}}),
            )
            .await
            .created();
        assert_eq!(started["mfa"]["satisfied"], false, "{}", app.backend);
        assert_eq!(started["mfa"]["factors"]["next"], json!(["totp"]));
        assert_eq!(started["user_id"], alice.id.as_str());
        let mut session = Session::from(&started);
        let first_token = session.token.clone();

        let done = app.check_totp(&mut session, &alice.totp_now()).await.ok();
        assert_eq!(done["mfa"]["satisfied"], true);
        assert!(done["checks"]["totp"]["checked_at"].is_string());
        assert_ne!(session.token, first_token);

        // The old token is dead for updates and reads; the new one works.
        let stale = Session {
            token: first_token,
            ..session.clone()
        };
        app.check(&mut stale.clone(), json!({}))
            .await
            .problem("unauthorized");
        let path = format!("/v1/sessions/{}", session.id);
        app.request(reqwest::Method::GET, &path, Some(&stale.token), None)
            .await
            .problem("unauthorized");
        let read = app
            .request(reqwest::Method::GET, &path, Some(&session.token), None)
            .await
            .ok();
        assert_eq!(read["mfa"]["satisfied"], true);
        assert!(
            read.get("session_token").is_none(),
            "a read does not hand out a token"
        );
    }
}

#[tokio::test]
async fn a_replayed_totp_code_is_refused_even_in_another_session() {
    for app in apps().await {
        let alice = app.user_with_totp("alice").await;
        let code = alice.totp_now();
        let mut first = app.sign_in_with_password(&alice).await;
        app.check_totp(&mut first, &code).await.ok();
        let mut second = app.sign_in_with_password(&alice).await;
        let refused = app
            .check_totp(&mut second, &code)
            .await
            .problem("replayed_code");
        assert_eq!(refused["attempts_left"], 4);
        // An older step is refused too once a newer one was used.
        app.check_totp(&mut second, &alice.totp[0].next())
            .await
            .ok();
        app.check_totp(&mut second, &alice.totp_now())
            .await
            .problem("replayed_code");
    }
}

#[tokio::test]
async fn two_sign_ins_racing_with_one_code_let_exactly_one_through() {
    for app in apps().await {
        app.settings(json!({"lockout": {"max_attempts": 10}})).await;
        let alice = app.user_with_totp("alice").await;
        let code = alice.totp_now();
        let mut sessions = Vec::new();
        for _ in 0..6 {
            sessions.push(app.sign_in_with_password(&alice).await);
        }
        let tasks: Vec<_> = sessions
            .into_iter()
            .map(|session| {
                let (http, code) = (app.http.clone(), code.clone());
                let url = format!("{}/v1/sessions/{}", app.base, session.id);
                let body =
                    json!({"session_token": session.token, "checks": {"totp": {"code": code}}});
                tokio::spawn(async move {
                    Resp::from(http.patch(url).json(&body).send().await.unwrap()).await
                })
            })
            .collect();
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.unwrap());
        }
        let (passed, lost): (Vec<_>, Vec<_>) = answers.into_iter().partition(|a| a.status == 200);
        assert_eq!(passed.len(), 1, "{passed:?} {lost:?} on {}", app.backend);
        assert_eq!(passed[0].body["mfa"]["satisfied"], true);
        // Every loser was told the code is spent (the budget is large enough that none locks).
        assert_eq!(lost.len(), 5);
        for answer in lost {
            assert_eq!(answer.status, 401, "{answer:?} on {}", app.backend);
            answer.problem("replayed_code");
        }
    }
}

#[tokio::test]
async fn an_unknown_login_name_gets_the_same_answers_as_a_wrong_password() {
    for app in apps().await {
        app.user("carol", json!({})).await;
        let wrong = app
            .start_session(json!({"user": {"login_name": "carol"}, "password": {"password": "not her password"}}))
            .await
            .problem("invalid_credentials");
        let nobody = app
            .start_session(json!({"user": {"login_name": "nobody"}, "password": {"password": "not her password"}}))
            .await
            .problem("invalid_credentials");
        assert_eq!(wrong, nobody);
        let failures = app.events("type=session.check_failed").await;
        assert_eq!(failures.len(), 2, "both attempts are in the audit log");
        assert_eq!(failures[1]["detail"]["reason"], "unknown_user");

        let known = app
            .start_session(json!({"user": {"login_name": "carol"}}))
            .await
            .created();
        let unknown = app
            .start_session(json!({"user": {"login_name": "nobody"}}))
            .await
            .created();
        assert_eq!(known["mfa"], unknown["mfa"]);
        assert_eq!(
            known["user_id"].as_str().unwrap().len(),
            unknown["user_id"].as_str().unwrap().len()
        );
        let again = app
            .start_session(json!({"user": {"login_name": "nobody"}}))
            .await
            .created();
        assert_eq!(unknown["user_id"], again["user_id"], "a stand-in is stable");
    }
}

#[tokio::test]
async fn second_factors_wait_for_the_first_and_spend_no_budget_before_it() {
    for app in apps().await {
        let alice = app.user_with_totp("alice").await;
        let started = app
            .start_session(json!({"user": {"login_name": "alice"}}))
            .await
            .created();
        let mut session = Session::from(&started);
        assert_eq!(
            started["mfa"]["factors"]["already_setup"],
            json!([]),
            "nothing is told before the password"
        );
        app.check_totp(&mut session, "123456")
            .await
            .problem("invalid_request");
        let user = app.admin_get(&format!("/v1/users/{}", alice.id)).await.ok();
        assert_eq!(user["lockout"]["second_factor"]["failures"], 0);
        // A session keeps its user.
        app.check(
            &mut session,
            json!({"user": {"login_name": "someone-else"}}),
        )
        .await
        .problem("invalid_request");
    }
}

#[tokio::test]
async fn backup_codes_are_single_use_recovery_and_a_new_set_voids_the_old() {
    for app in apps().await {
        let alice = app.user_with_totp("alice").await;
        let first = app
            .admin_post(&format!("/v1/users/{}/backup-codes", alice.id), json!({}))
            .await
            .created();
        let codes: Vec<String> = first["codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(codes.len(), 10);

        let mut session = app.sign_in_with_password(&alice).await;
        let spaced = codes[0].to_lowercase().replace('-', " ");
        let done = app
            .check(&mut session, json!({"backup_code": {"code": spaced}}))
            .await
            .ok();
        assert_eq!(
            done["mfa"]["satisfied"], true,
            "a backup code stands in for the TOTP"
        );
        let mut again = app.sign_in_with_password(&alice).await;
        app.check(&mut again, json!({"backup_code": {"code": codes[0]}}))
            .await
            .problem("invalid_code");

        app.admin_post(&format!("/v1/users/{}/backup-codes", alice.id), json!({}))
            .await
            .created();
        app.check(&mut again, json!({"backup_code": {"code": codes[1]}}))
            .await
            .problem("invalid_code");
        let stored = app
            .admin_get(&format!("/v1/users/{}/authenticators", alice.id))
            .await
            .ok();
        assert_eq!(
            stored
                .as_array()
                .unwrap()
                .iter()
                .filter(|a| a["factor"] == "backup-code")
                .count(),
            1
        );
    }
}

#[tokio::test]
async fn checks_stop_counting_after_their_lifetime() {
    for app in apps().await {
        app.settings(json!({"second_factor_check_lifetime": 60}))
            .await;
        let alice = app.user_with_totp("alice").await;
        let mut session = app.sign_in_with_password(&alice).await;
        let now = app.freeze_clock();
        let code = alice.totp[0].code_at(now);
        assert_eq!(
            app.check_totp(&mut session, &code).await.ok()["mfa"]["satisfied"],
            true
        );
        let path = format!("/v1/sessions/{}/mfa", session.id);
        // The clock stands still: the check's last second, then the first without it.
        app.advance(59);
        let mfa = app
            .request(reqwest::Method::GET, &path, Some(&session.token), None)
            .await
            .ok();
        assert_eq!(mfa["satisfied"], true);
        app.advance(1);
        let mfa = app
            .request(reqwest::Method::GET, &path, Some(&session.token), None)
            .await
            .ok();
        assert_eq!(mfa["satisfied"], false);
        assert_eq!(mfa["factors"]["next"], json!(["totp"]));
    }
}

#[tokio::test]
async fn a_terminated_session_is_gone() {
    for app in apps().await {
        let alice = app.user("alice", json!({})).await;
        let session = app.sign_in_with_password(&alice).await;
        let path = format!("/v1/sessions/{}", session.id);
        assert_eq!(
            app.request(reqwest::Method::DELETE, &path, Some(&session.token), None)
                .await
                .status,
            204
        );
        app.request(reqwest::Method::GET, &path, Some(&session.token), None)
            .await
            .problem("unauthorized");
        let kinds: Vec<_> = app
            .events(&format!("user_id={}", alice.id))
            .await
            .iter()
            .map(|e| e["type"].clone())
            .collect();
        assert!(
            kinds.contains(&json!("session.terminated"))
                && kinds.contains(&json!("session.check_passed")),
            "{kinds:?}"
        );
    }
}
