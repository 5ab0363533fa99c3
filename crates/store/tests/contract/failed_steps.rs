//! A failed step: its failure's writes (the hits, the failed event, the lock and its event)
//! commit together in one transaction without the session, and of failures racing to one lock
//! exactly one tells it.

use std::sync::Arc;

use serde_json::json;
use twofold_core::UnixTime;
use twofold_core::event::EventType;
use twofold_core::lockout::LockState;
use twofold_core::quota::Scope;
use twofold_core::secrets::TokenHash;
use twofold_core::session::Session;
use twofold_core::settings::LoginSettings;
use twofold_store::{
    Applied, EventQuery, Hit, Lock, LockWrite, NewEvent, SessionWrite, StepWrite, Store,
};

use crate::support::{TENANT, stores, user};

fn event(kind: EventType, detail: serde_json::Value) -> NewEvent {
    NewEvent {
        tenant_id: TENANT.into(),
        kind,
        at: UnixTime(20),
        user_id: Some("u1".into()),
        session_id: Some("s1".into()),
        ip: None,
        detail,
    }
}

/// A failed second factor as a step writes it: the hit, the failed event and, at the end of the
/// budget, the lock with its event.
fn failed_step(locks: bool) -> StepWrite {
    let mut write = StepWrite::new(SessionWrite::Keep);
    write.hits.push(Hit {
        tenant_id: TENANT.into(),
        scope: Scope::FailedCheckUser,
        key: "u1".into(),
        at: UnixTime(20),
    });
    write.events.push(event(
        EventType::SessionCheckFailed,
        json!({"factor": "totp", "reason": "wrong"}),
    ));
    if locks {
        write.lock = Some(LockWrite {
            lock: Lock::SecondFactor {
                user_id: "u1".into(),
                state: LockState::Until(UnixTime(920)),
                max_attempts: 5,
                ceiling: 100,
            },
            event: event(EventType::UserLocked, json!({"budget": "second_factor"})),
        });
    }
    write
}

/// The user's events of one kind, oldest first.
async fn events_of(store: &Arc<dyn Store>, kind: &str) -> Vec<i64> {
    let query = EventQuery {
        tenant_id: TENANT.into(),
        user_id: Some("u1".into()),
        kind: Some(kind.into()),
        after: None,
        limit: 100,
    };
    let found = store.events(&query).await.unwrap();
    found.iter().map(|e| e.id).collect()
}

async fn failed_check_hits(store: &Arc<dyn Store>) -> u32 {
    store
        .count_hits(TENANT, Scope::FailedCheckUser, "u1", UnixTime(0))
        .await
        .unwrap()
        .count
}

/// A session about u1 under token 1, so a failed step's `Keep` has one to leave alone.
async fn session(store: &Arc<dyn Store>) {
    let mut session = Session::new(
        "s1".into(),
        TENANT.into(),
        UnixTime(10),
        &LoginSettings::default(),
    );
    session.identify("u1", UnixTime(10)).unwrap();
    let insert = StepWrite::new(SessionWrite::Insert {
        session,
        token: TokenHash([1; 32]),
    });
    assert_eq!(
        store.apply_step(&insert).await.unwrap(),
        Applied::Committed { locked: false }
    );
}

#[tokio::test]
async fn a_failed_step_commits_its_hits_event_and_lock_together_and_leaves_the_session() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        session(&store).await;
        for _ in 0..4 {
            store.record_second_factor_failure("u1").await.unwrap();
        }
        // Four failures: the budget is not spent, so the lock does not land nor is told.
        assert_eq!(
            store.apply_step(&failed_step(true)).await.unwrap(),
            Applied::Committed { locked: false }
        );
        assert_eq!(failed_check_hits(&store).await, 1);
        assert_eq!(events_of(&store, "session.check_failed").await.len(), 1);
        assert!(events_of(&store, "user.locked").await.is_empty());
        let alice = store.user(TENANT, "u1").await.unwrap().unwrap();
        assert_eq!(alice.second_factor.lock, LockState::Open);

        store.record_second_factor_failure("u1").await.unwrap();
        assert_eq!(
            store.apply_step(&failed_step(true)).await.unwrap(),
            Applied::Committed { locked: true }
        );
        assert_eq!(failed_check_hits(&store).await, 2);
        let failed = events_of(&store, "session.check_failed").await;
        let locked = events_of(&store, "user.locked").await;
        assert_eq!((failed.len(), locked.len()), (2, 1));
        // The lock is told after the failure that earned it.
        assert!(failed[1] < locked[0]);
        let alice = store.user(TENANT, "u1").await.unwrap().unwrap();
        assert_eq!(alice.second_factor.lock, LockState::Until(UnixTime(920)));
        assert_eq!(alice.second_factor.failures, 0);

        // The session and its token are as they were.
        let (_, token) = store.session("s1").await.unwrap().unwrap();
        assert_eq!(token, TokenHash([1; 32]));
    }
}

#[tokio::test]
async fn a_failed_step_whose_session_write_loses_writes_none_of_its_failure() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        session(&store).await;
        let mut write = failed_step(false);
        let mut moved = Session::new(
            "s1".into(),
            TENANT.into(),
            UnixTime(10),
            &LoginSettings::default(),
        );
        moved.identify("u1", UnixTime(10)).unwrap();
        write.session = SessionWrite::Rotate {
            session: moved,
            expected: TokenHash([9; 32]),
            next: TokenHash([10; 32]),
        };
        assert_eq!(store.apply_step(&write).await.unwrap(), Applied::TokenLost);
        assert_eq!(failed_check_hits(&store).await, 0);
        assert!(events_of(&store, "session.check_failed").await.is_empty());
    }
}

#[tokio::test]
async fn of_eight_failures_racing_to_one_lock_exactly_one_locks_and_tells_it() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        for _ in 0..5 {
            store.record_second_factor_failure("u1").await.unwrap();
        }
        let racers: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { store.apply_step(&failed_step(true)).await.unwrap() })
            })
            .collect();
        let mut locked = 0;
        for racer in racers {
            match racer.await.unwrap() {
                Applied::Committed { locked: true } => locked += 1,
                Applied::Committed { locked: false } => {}
                other => panic!("a failed step answered {other:?}"),
            }
        }
        assert_eq!(locked, 1);
        assert_eq!(events_of(&store, "user.locked").await.len(), 1);
        assert_eq!(events_of(&store, "session.check_failed").await.len(), 8);
        assert_eq!(failed_check_hits(&store).await, 8);
    }
}

#[tokio::test]
async fn a_failed_password_step_locks_the_account_once_or_delays_its_source() {
    for store in stores().await {
        let budget = twofold_store::PasswordBudget { account_max: 2 };
        for _ in 0..2 {
            store
                .reserve_password_attempt(TENANT, "u1", Some("10.0.0.1"), budget, UnixTime(20))
                .await
                .unwrap();
        }
        let mut delayed = StepWrite::new(SessionWrite::Keep);
        delayed.delay_password_source = Some(twofold_store::SourceDelay {
            tenant_id: TENANT.into(),
            subject: "u1".into(),
            source: "10.0.0.1".into(),
            until: UnixTime(80),
        });
        assert_eq!(
            store.apply_step(&delayed).await.unwrap(),
            Applied::Committed { locked: false }
        );
        let throttle = store
            .password_throttle(TENANT, "u1", Some("10.0.0.1"))
            .await
            .unwrap();
        assert_eq!(throttle.source.lock, LockState::Until(UnixTime(80)));

        let locking = || {
            let mut write = StepWrite::new(SessionWrite::Keep);
            write.lock = Some(LockWrite {
                lock: Lock::PasswordAccount {
                    tenant_id: TENANT.into(),
                    subject: "u1".into(),
                    state: LockState::Until(UnixTime(900)),
                    ceiling: 2,
                },
                event: event(EventType::UserLocked, json!({"budget": "password"})),
            });
            write
        };
        assert_eq!(
            store.apply_step(&locking()).await.unwrap(),
            Applied::Committed { locked: true }
        );
        // A racer that counted into the same run finds it emptied.
        assert_eq!(
            store.apply_step(&locking()).await.unwrap(),
            Applied::Committed { locked: false }
        );
        assert_eq!(events_of(&store, "user.locked").await.len(), 1);
    }
}
