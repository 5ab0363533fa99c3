//! Security questions over HTTP, on SQLite and PostgreSQL: enrolling a whole answer set, the
//! questions a sign-in asks (the same until answered), answers in any case, composition and
//! spacing, the shared second-factor budget, and `kba` in the tokens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use reqwest::Method;
use serde_json::{Value, json};
use support::oidc::{authorize, id_claims_from, register, sign_in_for};
use support::{Session, TestApp, TestUser, apps};

/// Five catalogue questions; the tenant offers the factor.
async fn offer_questions(app: &TestApp, extra: Value) {
    let settings = app.admin_get("/v1/settings/login").await.ok();
    let mut factors = settings["second_factors"].as_array().unwrap().clone();
    factors.push(json!("security-questions"));
    let catalogue: Vec<Value> = ["pet", "city", "school", "street", "teacher"]
        .iter()
        .map(|id| json!({"id": id, "text": {"en": format!("Your {id}?"), "de": format!("Dein {id}?")}}))
        .collect();
    let mut change =
        json!({"second_factors": factors, "security_questions": {"catalogue": catalogue}});
    support::merge(&mut change, extra);
    app.settings(change).await;
}

/// The answers every test enrols: the city with a composed `ü`.
fn answers() -> Value {
    json!([
        {"question_id": "pet", "answer": "Rex"},
        {"question_id": "city", "answer": "Zürich"},
        {"question_id": "school", "answer": "Kantonsschule Enge"},
    ])
}

/// Spellings of the same answers a person might type: other case, a decomposed `ü`, spaces.
fn typed(question_id: &str) -> &'static str {
    match question_id {
        "pet" => "  REX ",
        "city" => "zu\u{308}RICH",
        "school" => "kantonsschule    enge",
        other => panic!("not enrolled: {other}"),
    }
}

fn path(user: &TestUser) -> String {
    format!("/v1/users/{}/security-questions", user.id)
}

async fn enrolled_user(app: &TestApp, name: &str) -> TestUser {
    let user = app.user(name, json!({"mfa_enabled": true})).await;
    let set = app
        .admin_put(&path(&user), json!({"answers": answers()}))
        .await
        .ok();
    assert_eq!(set["factor"], "security-questions");
    assert_eq!(set["state"], "active");
    user
}

/// Starts the questions challenge; its `{exchange_id, questions}`.
async fn ask(app: &TestApp, session: &mut Session) -> Value {
    let view = app
        .patch_session(session, json!({"challenges": {"security_questions": {}}}))
        .await
        .ok();
    view["challenges"]["security_questions"].clone()
}

fn ids(asked: &Value) -> Vec<String> {
    asked["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["question_id"].as_str().unwrap().to_owned())
        .collect()
}

/// Answers every asked question with `answer(question_id)`.
async fn answer(
    app: &TestApp,
    session: &mut Session,
    asked: &Value,
    answer: impl Fn(&str) -> String,
) -> support::Resp {
    let given: Vec<Value> = ids(asked)
        .iter()
        .map(|id| json!({"question_id": id, "answer": answer(id)}))
        .collect();
    let checks =
        json!({"security_questions": {"exchange_id": asked["exchange_id"], "answers": given}});
    app.check(session, checks).await
}

#[tokio::test]
async fn an_enrolment_that_breaks_a_rule_is_refused_with_a_problem_naming_the_question() {
    for app in apps().await {
        let alice = app.user("alice", json!({})).await;
        app.admin_put(&path(&alice), json!({"answers": answers()}))
            .await
            .problem("forbidden");
        offer_questions(&app, json!({})).await;
        let refused = [
            (
                json!([{"question_id": "pet", "answer": "Rex"}, {"question_id": "city", "answer": "Bern"}]),
                "at least 3",
            ),
            (
                json!([{"question_id": "pet", "answer": "Rex"}, {"question_id": "city", "answer": " B  "}, {"question_id": "school", "answer": "Enge"}]),
                "`city`",
            ),
            (
                json!([{"question_id": "pet", "answer": "Rex"}, {"question_id": "city", "answer": "REX"}, {"question_id": "school", "answer": "Enge"}]),
                "the same",
            ),
            (
                json!([{"question_id": "pet", "answer": "Rex"}, {"question_id": "moon", "answer": "Bern"}, {"question_id": "school", "answer": "Enge"}]),
                "`moon`",
            ),
            (
                json!([{"question_id": "pet", "answer": "Rex"}, {"question_id": "pet", "answer": "Bern"}, {"question_id": "school", "answer": "Enge"}]),
                "twice",
            ),
            (
                json!([{"question_id": "pet", "answer": "Rex"}, {"question": "My first car?", "answer": "Beetle"}, {"question_id": "school", "answer": "Enge"}]),
                "own questions",
            ),
        ];
        for (given, says) in refused {
            let problem = app
                .admin_put(&path(&alice), json!({"answers": given}))
                .await
                .problem("invalid_request");
            let detail = problem["detail"].as_str().unwrap();
            assert!(detail.contains(says), "{detail} on {}", app.backend);
            assert!(!detail.to_lowercase().contains("rex"), "{detail}");
        }
        let sets = app
            .admin_get(&format!("/v1/users/{}/authenticators", alice.id))
            .await
            .ok();
        assert_eq!(sets.as_array().unwrap().len(), 0, "nothing was stored");

        // Where the operator allows them, a user's own question is fine.
        offer_questions(
            &app,
            json!({"security_questions": {"allow_own_questions": true}}),
        )
        .await;
        let own = json!([{"question_id": "pet", "answer": "Rex"}, {"question": "My first car?", "answer": "Beetle"}, {"question_id": "school", "answer": "Enge"}]);
        app.admin_put(&path(&alice), json!({"answers": own}))
            .await
            .ok();
        let added = app
            .events(&format!("user_id={}&type=authenticator.added", alice.id))
            .await;
        assert_eq!(added.len(), 1);
        assert_eq!(
            added[0]["detail"]["questions"],
            json!(["pet", "own-1", "school"])
        );
        assert!(!added[0].to_string().to_lowercase().contains("beetle"));
    }
}

#[tokio::test]
async fn a_signed_in_user_sets_their_own_answers_and_passes_in_any_case_composition_and_spacing() {
    for app in apps().await {
        offer_questions(&app, json!({})).await;
        // No MFA yet: the password satisfies the session, which may then set up the answers.
        let bob = app.user("bob", json!({"language": "de-CH"})).await;
        let session = app.sign_in_with_password(&bob).await;
        app.request(
            Method::PUT,
            &path(&bob),
            Some(&session.token),
            Some(json!({"answers": answers()})),
        )
        .await
        .ok();

        let mut session = app.sign_in_with_password(&bob).await;
        let view = app.get_session(&session).await.ok();
        assert_eq!(
            view["mfa"]["satisfied"], false,
            "a set-up factor is asked: {view}"
        );
        let asked = ask(&app, &mut session).await;
        assert_eq!(asked["questions"].as_array().unwrap().len(), 2, "{asked}");
        for question in asked["questions"].as_array().unwrap() {
            let id = question["question_id"].as_str().unwrap();
            assert_eq!(question["text"], format!("Dein {id}?"), "German for de-CH");
        }
        let passed = answer(&app, &mut session, &asked, |id| typed(id).to_owned())
            .await
            .ok();
        assert!(
            passed["checks"]["security_questions"].is_object(),
            "{passed}"
        );
        assert_eq!(passed["mfa"]["satisfied"], true);
        // The exchange is spent: the same answers again are no proof.
        answer(&app, &mut session, &asked, |id| typed(id).to_owned())
            .await
            .problem("invalid_request");
    }
}

#[tokio::test]
async fn asking_again_asks_the_same_questions_until_they_are_answered() {
    for app in apps().await {
        offer_questions(&app, json!({"security_questions": {"asked_per_check": 1}})).await;
        let carol = enrolled_user(&app, "carol").await;
        let mut first = app.sign_in_with_password(&carol).await;
        let asked = ask(&app, &mut first).await;
        for _ in 0..4 {
            assert_eq!(ask(&app, &mut first).await, asked);
        }
        // Another session (another browser) gets no easier question either.
        let mut second = app.sign_in_with_password(&carol).await;
        assert_eq!(ask(&app, &mut second).await, asked);

        // A decided check — here a wrong one — rolls again.
        answer(&app, &mut second, &asked, |_| "wrong answer".to_owned())
            .await
            .problem("invalid_code");
        let next = ask(&app, &mut first).await;
        assert_ne!(next["exchange_id"], asked["exchange_id"]);
        answer(&app, &mut first, &asked, |id| typed(id).to_owned())
            .await
            .problem("invalid_request");
        answer(&app, &mut first, &next, |id| typed(id).to_owned())
            .await
            .ok();
    }
}

#[tokio::test]
async fn wrong_answers_spend_the_second_factor_budget_and_lock() {
    for app in apps().await {
        offer_questions(
            &app,
            json!({"lockout": {"max_attempts": 3}, "security_questions": {"asked_per_check": 3}}),
        )
        .await;
        let dave = enrolled_user(&app, "dave").await;
        let mut session = app.sign_in_with_password(&dave).await;
        // An answer set that does not fit the questions is not a guess: it costs nothing.
        let asked = ask(&app, &mut session).await;
        let one = json!({"security_questions": {"exchange_id": asked["exchange_id"], "answers": [{"question_id": ids(&asked)[0], "answer": "x"}]}});
        app.check(&mut session, one)
            .await
            .problem("invalid_request");
        // All three are asked; one wrong answer among right ones fails the set.
        let asked = ask(&app, &mut session).await;
        let one_wrong = |id: &str| match id {
            "pet" => "Fido".to_owned(),
            other => typed(other).to_owned(),
        };
        let refused = answer(&app, &mut session, &asked, one_wrong).await;
        assert_eq!(refused.problem("invalid_code")["attempts_left"], 2);
        let asked = ask(&app, &mut session).await;
        let refused = answer(&app, &mut session, &asked, |_| "nope".to_owned()).await;
        assert_eq!(refused.problem("invalid_code")["attempts_left"], 1);
        let asked = ask(&app, &mut session).await;
        let locked = answer(&app, &mut session, &asked, |_| "nope".to_owned())
            .await
            .problem("locked");
        assert_eq!(locked["status"], 423);
        let asked = ask(&app, &mut session).await;
        answer(&app, &mut session, &asked, |id| typed(id).to_owned())
            .await
            .problem("locked");
        let failed = app
            .events(&format!("user_id={}&type=session.check_failed", dave.id))
            .await;
        assert_eq!(failed.len(), 3);
        assert_eq!(failed[0]["detail"]["factor"], "security-questions");
    }
}

#[tokio::test]
async fn a_new_answer_set_replaces_the_old_answers_and_the_pending_questions() {
    for app in apps().await {
        offer_questions(&app, json!({"security_questions": {"asked_per_check": 3}})).await;
        let erin = enrolled_user(&app, "erin").await;
        let mut session = app.sign_in_with_password(&erin).await;
        let before = ask(&app, &mut session).await;
        let new = json!([
            {"question_id": "pet", "answer": "Bello"},
            {"question_id": "city", "answer": "Basel"},
            {"question_id": "school", "answer": "Gymnasium"},
        ]);
        app.admin_put(&path(&erin), json!({"answers": new}))
            .await
            .ok();
        let sets = app
            .admin_get(&format!("/v1/users/{}/authenticators", erin.id))
            .await
            .ok();
        assert_eq!(sets.as_array().unwrap().len(), 1, "{sets}");
        answer(&app, &mut session, &before, |id| typed(id).to_owned())
            .await
            .problem("invalid_request");
        let asked = ask(&app, &mut session).await;
        assert_ne!(asked["exchange_id"], before["exchange_id"]);
        answer(&app, &mut session, &asked, |id| typed(id).to_owned())
            .await
            .problem("invalid_code");
        let asked = ask(&app, &mut session).await;
        let new_answer = |id: &str| match id {
            "pet" => "bello",
            "city" => "BASEL",
            _ => " gymnasium",
        };
        answer(&app, &mut session, &asked, |id| new_answer(id).to_owned())
            .await
            .ok();
    }
}

#[tokio::test]
async fn the_tokens_say_kba_and_never_mfa_for_the_questions_alone() {
    for app in apps().await {
        offer_questions(&app, json!({})).await;
        let frank = enrolled_user(&app, "frank").await;
        let client = register(&app, json!({"mode": "always"})).await;
        let request = authorize(&app, &client, &[]).await;
        let mut session = sign_in_for(&app, &frank, &request).await;
        let asked = ask(&app, &mut session).await;
        answer(&app, &mut session, &asked, |id| typed(id).to_owned())
            .await
            .ok();
        let claims = id_claims_from(&app, &client, &request, &session).await;
        assert_eq!(claims["amr"], json!(["pwd", "kba"]), "on {}", app.backend);
    }
}

#[tokio::test]
async fn the_questions_are_asked_only_after_the_first_factor() {
    for app in apps().await {
        offer_questions(&app, json!({})).await;
        let gina = enrolled_user(&app, "gina").await;
        let body = app
            .start_session(json!({"user": {"login_name": gina.username}}))
            .await
            .created();
        let mut session = Session::from(&body);
        app.patch_session(
            &mut session,
            json!({"challenges": {"security_questions": {}}}),
        )
        .await
        .problem("invalid_request");
    }
}

#[tokio::test]
async fn a_user_who_must_set_up_a_factor_may_set_up_the_questions_and_then_answers_them() {
    for app in apps().await {
        offer_questions(&app, json!({"mfa": {"mode": "always"}})).await;
        let hana = app.user("hana", json!({})).await;
        let mut session = app.sign_in_with_password(&hana).await;
        let view = app.get_session(&session).await.ok();
        assert_eq!(view["mfa"]["setup_required"], true, "{view}");
        let set = app
            .request(
                Method::PUT,
                &path(&hana),
                Some(&session.token),
                Some(json!({"answers": answers()})),
            )
            .await
            .ok();
        assert_eq!(set["state"], "active");
        // Setting the answers is not answering them: the session still needs the check.
        let view = app.get_session(&session).await.ok();
        assert_eq!(view["mfa"]["satisfied"], false, "{view}");
        let asked = ask(&app, &mut session).await;
        let passed = answer(&app, &mut session, &asked, |id| typed(id).to_owned())
            .await
            .ok();
        assert_eq!(passed["mfa"]["satisfied"], true, "{passed}");
    }
}
