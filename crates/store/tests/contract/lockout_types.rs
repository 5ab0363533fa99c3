//! The lockout types' storage: the unlock budget kept with a lock, a lock lifted by a step, and
//! ALTCHA challenges spent once.

use std::sync::Arc;

use twofold_core::UnixTime;
use twofold_core::lockout::{Counter, LockState};
use twofold_store::{Applied, Reservation, SessionWrite, StepWrite, Store};

use crate::support::{TENANT, stores, user};

async fn unlock_failures_left(store: &Arc<dyn Store>, max: u32) -> Reservation<u32> {
    store.reserve_unlock_attempt("u1", max).await.unwrap()
}

#[tokio::test]
async fn unlock_attempts_are_reserved_up_to_their_budget_and_a_new_lock_renews_it() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        for _ in 0..5 {
            store.record_second_factor_failure("u1").await.unwrap();
        }
        let lock = LockState::Until(UnixTime(1000));
        assert!(store.lock_second_factor("u1", lock, 5, 100).await.unwrap());
        assert_eq!(unlock_failures_left(&store, 2).await, Reservation::Taken(1));
        assert_eq!(unlock_failures_left(&store, 2).await, Reservation::Taken(2));
        assert_eq!(
            unlock_failures_left(&store, 2).await,
            Reservation::Refused(2)
        );
        // A step that did not commit gives its attempt back.
        store.release_unlock_attempt("u1").await.unwrap();
        assert_eq!(unlock_failures_left(&store, 2).await, Reservation::Taken(2));

        // The next lock comes with a fresh unlock budget.
        for _ in 0..5 {
            store.record_second_factor_failure("u1").await.unwrap();
        }
        assert!(store.lock_second_factor("u1", lock, 5, 100).await.unwrap());
        assert_eq!(unlock_failures_left(&store, 2).await, Reservation::Taken(1));
        // So does an administrator's unlock, and a passed second factor.
        assert!(store.unlock("u1").await.unwrap());
        assert_eq!(unlock_failures_left(&store, 1).await, Reservation::Taken(1));
        store.clear_second_factor_failures("u1").await.unwrap();
        assert_eq!(unlock_failures_left(&store, 1).await, Reservation::Taken(1));
        assert_eq!(
            store.reserve_unlock_attempt("nobody", 5).await.unwrap(),
            Reservation::Refused(0)
        );
    }
}

#[tokio::test]
async fn a_step_that_lifts_a_lock_clears_it_with_the_counters() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        store.insert_user(&user("u2", "bob")).await.unwrap();
        for id in ["u1", "u2"] {
            for _ in 0..5 {
                store.record_second_factor_failure(id).await.unwrap();
            }
            let lock = LockState::Until(UnixTime(5000));
            assert!(store.lock_second_factor(id, lock, 5, 100).await.unwrap());
            store.reserve_unlock_attempt(id, 5).await.unwrap();
        }
        let mut write = StepWrite::new(SessionWrite::Keep);
        write.lift_second_factor_lock.push("u1".to_owned());
        // A plain pass beside it ends a run but lifts no lock.
        write.clear_second_factor.push("u2".to_owned());
        assert_eq!(
            store.apply_step(&write).await.unwrap(),
            Applied::Committed { locked: false }
        );
        let alice = store.user(TENANT, "u1").await.unwrap().unwrap();
        assert_eq!(alice.second_factor, Counter::default());
        assert_eq!(unlock_failures_left(&store, 1).await, Reservation::Taken(1));
        let bob = store.user(TENANT, "u2").await.unwrap().unwrap();
        assert_eq!(bob.second_factor.lock, LockState::Until(UnixTime(5000)));
        assert_eq!((bob.second_factor.run, bob.second_factor.lockouts), (0, 0));
        assert_eq!(
            store.reserve_unlock_attempt("u2", 1).await.unwrap(),
            Reservation::Taken(1),
            "a pass also ends the unlock failures"
        );
    }
}

#[tokio::test]
async fn a_solved_captcha_is_spent_once_and_forgotten_after_it_expires() {
    for store in stores().await {
        let (now, expires) = (UnixTime(1_000), UnixTime(1_600));
        assert!(store.spend_captcha("c1", expires, now).await.unwrap());
        assert!(!store.spend_captcha("c1", expires, now).await.unwrap());
        assert!(store.spend_captcha("c2", expires, now).await.unwrap());
        // Racing spends of one id: exactly one wins.
        let racers: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { store.spend_captcha("c3", expires, now).await.unwrap() })
            })
            .collect();
        let mut won = 0;
        for racer in racers {
            won += usize::from(racer.await.unwrap());
        }
        assert_eq!(won, 1);
        // Past its expiry the id is forgotten (its payload is refused as expired before).
        assert!(
            store
                .spend_captcha("c1", UnixTime(2_200), UnixTime(1_600))
                .await
                .unwrap()
        );
    }
}
