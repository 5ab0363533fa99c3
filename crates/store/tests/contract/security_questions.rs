//! Security questions: a user's answer set replaced as a whole, and the one pending exchange that
//! keeps asking the same questions until a check ends it.

use serde_json::json;
use twofold_core::authenticator::{Authenticator, AuthenticatorState};
use twofold_core::{Factor, UnixTime};
use twofold_store::{
    Applied, Consumption, QuestionExchange, SessionWrite, StepWrite, StoredAnswer,
};

use crate::support::{stores, user};

fn set(id: &str, user_id: &str) -> Authenticator {
    Authenticator {
        id: id.to_owned(),
        user_id: user_id.to_owned(),
        factor: Factor::SecurityQuestions,
        name: "security questions".to_owned(),
        state: AuthenticatorState::Active,
        sealed_secret: None,
        params: json!({"answers": 3}),
        last_step: None,
        created_at: UnixTime(2),
        last_used_at: None,
    }
}

fn answer(question_id: &str, text: Option<&str>, hash: &str) -> StoredAnswer {
    StoredAnswer {
        question_id: question_id.to_owned(),
        question_text: text.map(str::to_owned),
        answer_hash: hash.to_owned(),
    }
}

fn exchange(id: &str, user_id: &str, set: &str, ids: &[&str]) -> QuestionExchange {
    QuestionExchange {
        id: id.to_owned(),
        user_id: user_id.to_owned(),
        authenticator_id: set.to_owned(),
        question_ids: ids.iter().map(|s| (*s).to_owned()).collect(),
        created_at: UnixTime(3),
    }
}

#[tokio::test]
async fn a_new_answer_set_replaces_the_old_one_and_keeps_its_order() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        store.insert_user(&user("u2", "bob")).await.unwrap();
        let first = [
            answer("pet", None, "$argon2id$a"),
            answer("own-1", Some("Name of my cat?"), "$argon2id$b"),
            answer("city", None, "$argon2id$c"),
        ];
        store
            .replace_security_answers(&set("s1", "u1"), &first)
            .await
            .unwrap();
        store
            .replace_security_answers(&set("b1", "u2"), &first[..1])
            .await
            .unwrap();
        assert_eq!(store.security_answers("u1").await.unwrap(), first);

        let second = [
            answer("school", None, "$argon2id$d"),
            answer("pet", None, "$argon2id$e"),
        ];
        store
            .replace_security_answers(&set("s2", "u1"), &second)
            .await
            .unwrap();
        assert_eq!(store.security_answers("u1").await.unwrap(), second);
        let sets: Vec<String> = store
            .authenticators_of("u1")
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.factor == Factor::SecurityQuestions)
            .map(|a| a.id)
            .collect();
        assert_eq!(sets, ["s2"]);
        // Another user's set is untouched.
        assert_eq!(store.security_answers("u2").await.unwrap(), first[..1]);
        assert!(!format!("{:?}", second[0]).contains("argon2id"));
    }
}

#[tokio::test]
async fn the_first_exchange_opened_is_kept_until_it_is_ended() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        let answers = [answer("a", None, "h1"), answer("b", None, "h2")];
        store
            .replace_security_answers(&set("s1", "u1"), &answers)
            .await
            .unwrap();
        assert_eq!(store.question_exchange("u1").await.unwrap(), None);

        let first = exchange("x1", "u1", "s1", &["a"]);
        assert_eq!(store.open_question_exchange(&first).await.unwrap(), first);
        // Asking again with another roll keeps the first questions and the first id.
        let again = exchange("x2", "u1", "s1", &["b"]);
        assert_eq!(store.open_question_exchange(&again).await.unwrap(), first);
        assert_eq!(store.question_exchange("u1").await.unwrap(), Some(first));

        assert!(store.end_question_exchange("x1").await.unwrap());
        assert!(!store.end_question_exchange("x1").await.unwrap());
        assert_eq!(store.open_question_exchange(&again).await.unwrap(), again);
    }
}

#[tokio::test]
async fn racing_openings_all_get_the_same_questions() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        let answers = [answer("a", None, "h1"), answer("b", None, "h2")];
        store
            .replace_security_answers(&set("s1", "u1"), &answers)
            .await
            .unwrap();
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let store = store.clone();
                let roll = if i % 2 == 0 { "a" } else { "b" };
                let mine = exchange(&format!("x{i}"), "u1", "s1", &[roll]);
                tokio::spawn(async move { store.open_question_exchange(&mine).await.unwrap() })
            })
            .collect();
        let mut opened = Vec::new();
        for task in tasks {
            opened.push(task.await.unwrap());
        }
        assert!(opened.iter().all(|e| *e == opened[0]), "{opened:?}");
    }
}

#[tokio::test]
async fn a_new_answer_set_ends_the_pending_exchange() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        let answers = [answer("a", None, "h1"), answer("b", None, "h2")];
        store
            .replace_security_answers(&set("s1", "u1"), &answers)
            .await
            .unwrap();
        store
            .open_question_exchange(&exchange("x1", "u1", "s1", &["a"]))
            .await
            .unwrap();
        store
            .replace_security_answers(&set("s2", "u1"), &answers)
            .await
            .unwrap();
        assert_eq!(store.question_exchange("u1").await.unwrap(), None);
        assert!(!store.end_question_exchange("x1").await.unwrap());
    }
}

#[tokio::test]
async fn a_step_spends_a_pending_exchange_once() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        let answers = [answer("a", None, "h1"), answer("b", None, "h2")];
        store
            .replace_security_answers(&set("s1", "u1"), &answers)
            .await
            .unwrap();
        store
            .open_question_exchange(&exchange("x1", "u1", "s1", &["a", "b"]))
            .await
            .unwrap();
        let spend = || {
            let mut write = StepWrite::new(SessionWrite::Keep);
            write
                .consume
                .push(Consumption::QuestionExchange { id: "x1".into() });
            write
        };
        assert_eq!(
            store.apply_step(&spend()).await.unwrap(),
            Applied::Committed { locked: false }
        );
        assert_eq!(store.question_exchange("u1").await.unwrap(), None);
        assert_eq!(
            store.apply_step(&spend()).await.unwrap(),
            Applied::ConsumptionLost(0)
        );
    }
}
