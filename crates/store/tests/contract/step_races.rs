//! Races on single-use proofs and on new password rows: steps from different sessions spending
//! one TOTP step lose as a whole, and a burst from one new address is counted, not refused.

use serde_json::json;
use twofold_core::authenticator::AuthenticatorState;
use twofold_core::event::EventType;
use twofold_core::lockout::LockState;
use twofold_core::secrets::TokenHash;
use twofold_core::session::Session;
use twofold_core::settings::LoginSettings;
use twofold_core::{Factor, UnixTime};
use twofold_store::{
    Applied, Consumption, EventQuery, NewEvent, PasswordBudget, Reservation, SessionWrite,
    StepWrite,
};

use crate::support::{TENANT, stores, totp, user};

fn session(id: &str) -> Session {
    let mut session = Session::new(
        id.into(),
        TENANT.into(),
        UnixTime(10),
        &LoginSettings::default(),
    );
    session.identify("u1", UnixTime(10)).unwrap();
    session
}

fn passed(session: &Session) -> NewEvent {
    NewEvent {
        tenant_id: TENANT.into(),
        kind: EventType::SessionCheckPassed,
        at: UnixTime(20),
        user_id: Some("u1".into()),
        session_id: Some(session.id.clone()),
        ip: None,
        detail: json!({"factor": "totp"}),
    }
}

#[tokio::test]
async fn steps_of_eight_sessions_spending_one_totp_step_commit_once_and_losers_keep_their_token() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        store
            .insert_authenticator(&totp("a1", "u1", AuthenticatorState::Active))
            .await
            .unwrap();
        let sessions: Vec<Session> = (1..=8u8).map(|n| session(&format!("s{n}"))).collect();
        for (n, s) in (1..=8u8).zip(&sessions) {
            let insert = StepWrite::new(SessionWrite::Insert {
                session: s.clone(),
                token: TokenHash([n; 32]),
            });
            assert_eq!(
                store.apply_step(&insert).await.unwrap(),
                Applied::Committed { locked: false }
            );
        }
        let racers: Vec<_> = (1..=8u8)
            .zip(sessions.clone())
            .map(|(n, s)| {
                let store = store.clone();
                let mut next = s.clone();
                next.record_pass(Factor::Totp, UnixTime(20));
                let mut write = StepWrite::new(SessionWrite::Rotate {
                    session: next,
                    expected: TokenHash([n; 32]),
                    next: TokenHash([n + 100; 32]),
                });
                write.consume.push(Consumption::TotpStep {
                    authenticator_id: "a1".into(),
                    step: 500,
                    at: UnixTime(20),
                });
                write.events.push(passed(&s));
                tokio::spawn(async move { store.apply_step(&write).await.unwrap() })
            })
            .collect();
        let mut outcomes = Vec::new();
        for racer in racers {
            outcomes.push(racer.await.unwrap());
        }
        let winners = outcomes
            .iter()
            .filter(|o| **o == Applied::Committed { locked: false })
            .count();
        assert_eq!(winners, 1, "{outcomes:?}");
        for ((n, s), outcome) in (1..=8u8).zip(&sessions).zip(&outcomes) {
            let state = store.load_step(&s.id).await.unwrap().unwrap();
            if *outcome == (Applied::Committed { locked: false }) {
                assert_eq!(state.token, TokenHash([n + 100; 32]));
            } else {
                assert_eq!(*outcome, Applied::ConsumptionLost(0));
                assert_eq!(state.token, TokenHash([n; 32]));
                assert_eq!(state.session, *s);
            }
        }
        let query = EventQuery {
            tenant_id: TENANT.into(),
            user_id: Some("u1".into()),
            kind: Some("session.check_passed".into()),
            after: None,
            limit: 100,
        };
        assert_eq!(store.events(&query).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn racing_guesses_from_one_new_address_are_all_taken_and_all_counted() {
    for store in stores().await {
        // Below the account's limit and with no wait on the address: a proxy's burst of right
        // passwords must not be turned away, however the new rows race to be made.
        let racers: Vec<_> = (0..16)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .reserve_password_attempt(
                            TENANT,
                            "u9",
                            Some("10.0.0.9"),
                            PasswordBudget { account_max: 100 },
                            UnixTime(100),
                        )
                        .await
                        .unwrap()
                })
            })
            .collect();
        for racer in racers {
            let taken = racer.await.unwrap();
            assert!(matches!(taken, Reservation::Taken(_)), "{taken:?}");
        }
        let throttle = store
            .password_throttle(TENANT, "u9", Some("10.0.0.9"))
            .await
            .unwrap();
        assert_eq!(throttle.account.failures, 16);
        assert_eq!(throttle.source.failures, 16);
        assert_eq!(throttle.source.lock, LockState::Open);
    }
}
