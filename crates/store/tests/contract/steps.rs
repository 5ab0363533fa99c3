//! A sign-in step: one read, one atomic write conditional on the session's token and on every
//! single-use proof it spends.

use std::sync::Arc;

use serde_json::json;
use twofold_core::authenticator::AuthenticatorState;
use twofold_core::event::EventType;
use twofold_core::secrets::TokenHash;
use twofold_core::session::Session;
use twofold_core::settings::LoginSettings;
use twofold_core::{Factor, UnixTime};
use twofold_store::{Applied, Consumption, EventQuery, NewEvent, SessionWrite, StepWrite, Store};

use crate::support::{TENANT, stores, totp, user};

fn passed_event(session: &Session) -> NewEvent {
    NewEvent {
        tenant_id: TENANT.into(),
        kind: EventType::SessionCheckPassed,
        at: UnixTime(20),
        user_id: session.user_id.clone(),
        session_id: Some(session.id.clone()),
        ip: None,
        detail: json!({"factor": "totp"}),
    }
}

async fn passed_events(store: &Arc<dyn Store>) -> usize {
    let query = EventQuery {
        tenant_id: TENANT.into(),
        user_id: Some("u1".into()),
        kind: Some("session.check_passed".into()),
        after: None,
        limit: 100,
    };
    store.events(&query).await.unwrap().len()
}

/// A user with a TOTP authenticator and a session about them under token 1.
async fn signed_in(store: &Arc<dyn Store>) -> Session {
    store.insert_user(&user("u1", "alice")).await.unwrap();
    store
        .insert_authenticator(&totp("a1", "u1", AuthenticatorState::Active))
        .await
        .unwrap();
    let mut session = Session::new(
        "s1".into(),
        TENANT.into(),
        UnixTime(10),
        &LoginSettings::default(),
    );
    session.identify("u1", UnixTime(10)).unwrap();
    let mut write = StepWrite::new(SessionWrite::Insert {
        session: session.clone(),
        token: TokenHash([1; 32]),
    });
    write.events.push(passed_event(&session));
    assert_eq!(
        store.apply_step(&write).await.unwrap(),
        Applied::Committed { locked: false }
    );
    session
}

fn totp_step(session: &Session, expected: u8, next: u8, step: u64) -> StepWrite {
    let mut passed = session.clone();
    passed.record_pass(Factor::Totp, UnixTime(20));
    let mut write = StepWrite::new(SessionWrite::Rotate {
        session: passed,
        expected: TokenHash([expected; 32]),
        next: TokenHash([next; 32]),
    });
    write.consume.push(Consumption::TotpStep {
        authenticator_id: "a1".into(),
        step,
        at: UnixTime(20),
    });
    write.clear_second_factor.push("u1".into());
    write.events.push(passed_event(session));
    write
}

#[tokio::test]
async fn a_step_loads_its_session_user_and_authenticators_in_one_call() {
    for store in stores().await {
        let session = signed_in(&store).await;
        let state = store.load_step("s1").await.unwrap().unwrap();
        assert_eq!(state.session, session);
        assert_eq!(state.token, TokenHash([1; 32]));
        assert_eq!(state.user.unwrap().id, "u1");
        assert_eq!(state.authenticators.len(), 1);
        assert!(store.load_step("nope").await.unwrap().is_none());
    }
}

#[tokio::test]
async fn a_step_whose_token_lost_commits_nothing() {
    for store in stores().await {
        let session = signed_in(&store).await;
        let before = passed_events(&store).await;
        let lost = store
            .apply_step(&totp_step(&session, 9, 2, 100))
            .await
            .unwrap();
        assert_eq!(lost, Applied::TokenLost);
        let state = store.load_step("s1").await.unwrap().unwrap();
        assert_eq!(state.token, TokenHash([1; 32]), "the session is unchanged");
        assert!(state.session.checks.is_empty());
        assert_eq!(
            state.authenticators[0].last_step, None,
            "the code is still usable"
        );
        assert_eq!(
            passed_events(&store).await,
            before,
            "no event says it passed"
        );

        let won = store
            .apply_step(&totp_step(&session, 1, 2, 100))
            .await
            .unwrap();
        assert_eq!(won, Applied::Committed { locked: false });
        let state = store.load_step("s1").await.unwrap().unwrap();
        assert_eq!(state.token, TokenHash([2; 32]));
        assert!(state.session.checks.contains_key(&Factor::Totp));
        assert_eq!(state.authenticators[0].last_step, Some(100));
        assert_eq!(passed_events(&store).await, before + 1);
    }
}

#[tokio::test]
async fn a_step_whose_proof_was_spent_commits_nothing() {
    for store in stores().await {
        let session = signed_in(&store).await;
        let first = store
            .apply_step(&totp_step(&session, 1, 2, 100))
            .await
            .unwrap();
        assert_eq!(first, Applied::Committed { locked: false });
        let before = passed_events(&store).await;
        // The right token, but a step no newer than the one spent: the session write rolls back.
        let replay = store
            .apply_step(&totp_step(&session, 2, 3, 100))
            .await
            .unwrap();
        assert_eq!(replay, Applied::ConsumptionLost(0));
        let state = store.load_step("s1").await.unwrap().unwrap();
        assert_eq!(state.token, TokenHash([2; 32]));
        assert_eq!(passed_events(&store).await, before);
        // Backup codes and challenges are single-use the same way.
        let mut write = StepWrite::new(SessionWrite::Keep);
        write.consume.push(Consumption::BackupCode {
            user_id: "u1".into(),
            code_hash: TokenHash([7; 32]),
            at: UnixTime(20),
        });
        assert_eq!(
            store.apply_step(&write).await.unwrap(),
            Applied::ConsumptionLost(0)
        );
        let mut write = StepWrite::new(SessionWrite::Keep);
        write
            .consume
            .push(Consumption::Challenge { id: "gone".into() });
        assert_eq!(
            store.apply_step(&write).await.unwrap(),
            Applied::ConsumptionLost(0)
        );
    }
}

#[tokio::test]
async fn of_concurrent_steps_with_one_token_exactly_one_commits() {
    for store in stores().await {
        let session = signed_in(&store).await;
        let before = passed_events(&store).await;
        let racers: Vec<_> = (2..10u8)
            .map(|n| {
                let store = store.clone();
                // Each racer spends a different step, so only the token decides.
                let write = totp_step(&session, 1, n, 100 + u64::from(n));
                tokio::spawn(async move { store.apply_step(&write).await.unwrap() })
            })
            .collect();
        let mut committed = 0;
        for racer in racers {
            match racer.await.unwrap() {
                Applied::Committed { locked: false } => committed += 1,
                Applied::TokenLost => {}
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(committed, 1);
        assert_eq!(passed_events(&store).await, before + 1);
    }
}

fn credential_step(counter: u32) -> StepWrite {
    let mut write = StepWrite::new(SessionWrite::Keep);
    write.consume.push(Consumption::CredentialCounter {
        authenticator_id: "w1".into(),
        credential: json!({"counter": counter}),
        counter,
        at: UnixTime(30),
    });
    write
}

#[tokio::test]
async fn a_webauthn_signature_counter_is_spent_once_and_only_forward() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        let mut key = totp("w1", "u1", AuthenticatorState::Active);
        key.factor = Factor::Webauthn;
        store.insert_authenticator(&key).await.unwrap();
        assert_eq!(
            store.apply_step(&credential_step(7)).await.unwrap(),
            Applied::Committed { locked: false }
        );
        // Two assertions with one counter: the second lost the race and commits nothing.
        assert_eq!(
            store.apply_step(&credential_step(7)).await.unwrap(),
            Applied::ConsumptionLost(0)
        );
        assert_eq!(
            store.apply_step(&credential_step(6)).await.unwrap(),
            Applied::ConsumptionLost(0)
        );
        assert_eq!(
            store.apply_step(&credential_step(8)).await.unwrap(),
            Applied::Committed { locked: false }
        );
        let saved = store.authenticators_of("u1").await.unwrap();
        assert_eq!(saved[0].last_step, Some(8));
        assert_eq!(saved[0].params, json!({"counter": 8}));
        assert_eq!(saved[0].last_used_at, Some(UnixTime(30)));
    }
}

#[tokio::test]
async fn a_credential_without_a_counter_is_saved_at_zero_each_time() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        let mut key = totp("w1", "u1", AuthenticatorState::Active);
        key.factor = Factor::Passkey;
        store.insert_authenticator(&key).await.unwrap();
        for _ in 0..2 {
            assert_eq!(
                store.apply_step(&credential_step(0)).await.unwrap(),
                Applied::Committed { locked: false }
            );
        }
    }
}

#[tokio::test]
async fn a_step_loads_the_authenticator_used_last_first_then_in_enrolment_order() {
    for store in stores().await {
        signed_in(&store).await;
        for (id, created, used) in [("a2", 3, Some(50)), ("a3", 4, Some(40)), ("a4", 5, None)] {
            let mut authenticator = totp(id, "u1", AuthenticatorState::Active);
            authenticator.created_at = UnixTime(created);
            authenticator.last_used_at = used.map(UnixTime);
            store.insert_authenticator(&authenticator).await.unwrap();
        }
        let state = store.load_step("s1").await.unwrap().unwrap();
        let order: Vec<_> = state.authenticators.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(order, ["a2", "a3", "a1", "a4"]);
    }
}
