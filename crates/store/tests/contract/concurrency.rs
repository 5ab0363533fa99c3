//! Fifty requests at once for the same single-use thing: exactly as many succeed as there are
//! uses, however the store schedules them (SQLite's one group-committing writer, PostgreSQL's
//! row locks).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use twofold_core::UnixTime;
use twofold_core::authenticator::{Authenticator, AuthenticatorState};
use twofold_core::challenge::{Challenge, Channel, Purpose};
use twofold_core::secrets::TokenHash;
use twofold_core::{Factor, lockout::LockState};
use twofold_store::Store;

use crate::support::{TENANT, stores, totp, user};

const RACERS: usize = 50;

/// Starts `RACERS` calls at once, each on its own task, and collects their answers.
async fn race<T, F, Fut>(store: &Arc<dyn Store>, call: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(Arc<dyn Store>, usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    let racers: Vec<_> = (0..RACERS)
        .map(|n| tokio::spawn(call(store.clone(), n)))
        .collect();
    let mut answers = Vec::with_capacity(RACERS);
    for racer in racers {
        answers.push(racer.await.unwrap());
    }
    answers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_racers_for_one_totp_step_let_exactly_one_through() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        store
            .insert_authenticator(&totp("a1", "u1", AuthenticatorState::Active))
            .await
            .unwrap();
        let won = race(&store, |store, _| async move {
            store
                .consume_totp_step("a1", 1000, UnixTime(5))
                .await
                .unwrap()
        })
        .await;
        assert_eq!(won.iter().filter(|w| **w).count(), 1);
        let stored = store.authenticators_of("u1").await.unwrap();
        assert_eq!(stored[0].last_step, Some(1000));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_racers_for_ten_backup_codes_use_each_code_once() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        let set = Authenticator {
            factor: Factor::BackupCode,
            sealed_secret: None,
            ..totp("set1", "u1", AuthenticatorState::Active)
        };
        let codes: Vec<TokenHash> = (0..10u8).map(|i| TokenHash([i; 32])).collect();
        store.replace_backup_codes(&set, &codes).await.unwrap();
        // Five racers per code.
        let won = race(&store, |store, n| async move {
            let code = TokenHash([u8::try_from(n % 10).unwrap(); 32]);
            store
                .consume_backup_code("u1", &code, UnixTime(9))
                .await
                .unwrap()
        })
        .await;
        assert_eq!(won.iter().filter(|w| **w).count(), 10);
        assert_eq!(store.unused_backup_codes("u1").await.unwrap(), 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_racers_for_five_challenge_attempts_take_each_once() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        let challenge = Challenge {
            id: "c1".to_owned(),
            tenant_id: TENANT.to_owned(),
            user_id: "u1".to_owned(),
            channel: Channel::Sms,
            purpose: Purpose::SignIn,
            destination: "+41791234567".to_owned(),
            code_hash: TokenHash([7; 32]),
            created_at: UnixTime(100),
            expires_at: UnixTime(400),
            attempts_left: 5,
        };
        store.replace_challenge(&challenge).await.unwrap();
        let taken = race(&store, |store, _| async move {
            store
                .take_challenge_attempt("c1", UnixTime(101))
                .await
                .unwrap()
        })
        .await;
        let mut left: Vec<u32> = taken.into_iter().flatten().collect();
        left.sort_unstable();
        assert_eq!(
            left,
            vec![0, 1, 2, 3, 4],
            "each remaining count answered once"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_racing_failures_are_all_counted_and_lock_once_per_budget() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        let outcomes = race(&store, |store, _| async move {
            let counter = store.record_second_factor_failure("u1").await.unwrap();
            let locked = store
                .lock_second_factor("u1", LockState::Until(UnixTime(900)), 5, 1000)
                .await
                .unwrap();
            (counter.run, locked)
        })
        .await;
        let runs: BTreeMap<u32, usize> = outcomes.iter().fold(BTreeMap::new(), |mut seen, o| {
            *seen.entry(o.0).or_default() += 1;
            seen
        });
        assert_eq!(runs.len(), RACERS, "every failure saw its own count");
        let locks = outcomes.iter().filter(|o| o.1).count();
        let alice = store.user(TENANT, "u1").await.unwrap().unwrap();
        assert_eq!(alice.second_factor.run, 50);
        // A lock empties a budget of at least five and is counted once; every failure is
        // followed by its own try to lock, so no spent budget is left unlocked.
        assert!((1..=10).contains(&locks), "{locks} locks");
        assert_eq!(alice.second_factor.lockouts, u32::try_from(locks).unwrap());
        assert!(alice.second_factor.failures < 5);
    }
}
