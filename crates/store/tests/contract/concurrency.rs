//! Fifty requests at once with one single-use thing between them: exactly as many win as the
//! thing allows, on every backend, however the database interleaves them.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use twofold_core::admin_token::{AdminToken, Revocation};
use twofold_core::authenticator::{Authenticator, AuthenticatorState};
use twofold_core::challenge::{Challenge, Channel, Purpose};
use twofold_core::lockout::LockState;
use twofold_core::secrets::TokenHash;
use twofold_core::session::Session;
use twofold_core::settings::LoginSettings;
use twofold_core::{Factor, UnixTime};
use twofold_store::Store;

use crate::support::{TENANT, stores, totp, user};

const RACERS: usize = 50;

/// Runs `attempt` for racers 0..RACERS all at once; the answers in racer order.
async fn race<T, F, Fut>(store: &Arc<dyn Store>, attempt: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(Arc<dyn Store>, usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    let racers: Vec<_> = (0..RACERS)
        .map(|n| tokio::spawn(attempt(store.clone(), n)))
        .collect();
    let mut answers = Vec::with_capacity(RACERS);
    for racer in racers {
        answers.push(racer.await.unwrap());
    }
    answers
}

fn winners(answers: &[bool]) -> usize {
    answers.iter().filter(|won| **won).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_racers_for_one_totp_step_one_backup_code_and_one_session_token_make_one_winner_each()
{
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        store
            .insert_authenticator(&totp("t1", "u1", AuthenticatorState::Active))
            .await
            .unwrap();
        let steps = race(&store, |store, _| async move {
            store
                .consume_totp_step("t1", 77, UnixTime(5))
                .await
                .unwrap()
        })
        .await;
        assert_eq!(winners(&steps), 1, "one TOTP step, one pass");

        let codes = Authenticator {
            factor: Factor::BackupCode,
            sealed_secret: None,
            ..totp("b1", "u1", AuthenticatorState::Active)
        };
        let hashes: Vec<TokenHash> = (0..10u8).map(|i| TokenHash([i; 32])).collect();
        store.replace_backup_codes(&codes, &hashes).await.unwrap();
        let used = race(&store, |store, _| async move {
            store
                .consume_backup_code("u1", &TokenHash([4; 32]), UnixTime(6))
                .await
                .unwrap()
        })
        .await;
        assert_eq!(winners(&used), 1, "one backup code, one use");
        assert_eq!(store.unused_backup_codes("u1").await.unwrap(), 9);

        let mut session = Session::new(
            "s1".into(),
            TENANT.into(),
            UnixTime(10),
            &LoginSettings::default(),
        );
        let first = TokenHash([200; 32]);
        store.insert_session(&session, &first).await.unwrap();
        session.identify("u1", UnixTime(11)).unwrap();
        let updates = race(&store, move |store, n| {
            let session = session.clone();
            async move {
                let next = TokenHash([u8::try_from(n).unwrap(); 32]);
                store.update_session(&session, &first, &next).await.unwrap()
            }
        })
        .await;
        assert_eq!(winners(&updates), 1, "one session token, one rotation");
        let winner = updates.iter().position(|won| *won).unwrap();
        let (_, token) = store.session("s1").await.unwrap().unwrap();
        assert_eq!(token, TokenHash([u8::try_from(winner).unwrap(); 32]));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_racers_for_a_challenge_of_five_tries_get_exactly_five() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        store
            .replace_challenge(&Challenge {
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
            })
            .await
            .unwrap();
        let tries = race(&store, |store, _| async move {
            store
                .take_challenge_attempt("c1", UnixTime(200))
                .await
                .unwrap()
        })
        .await;
        let mut left: Vec<u32> = tries.into_iter().flatten().collect();
        left.sort_unstable();
        assert_eq!(left, vec![0, 1, 2, 3, 4], "each try taken once, none twice");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_failed_passwords_at_once_from_fifty_addresses_are_all_counted() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        race(&store, |store, n| async move {
            store
                .record_password_failure(TENANT, "u1", Some(&format!("10.0.0.{n}")), UnixTime(9))
                .await
                .unwrap()
        })
        .await;
        let throttle = store
            .password_throttle(TENANT, "u1", Some("10.0.0.7"))
            .await
            .unwrap();
        assert_eq!(throttle.account.failures, 50);
        assert_eq!(throttle.source.failures, 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn revoking_every_admin_token_at_once_leaves_exactly_one() {
    for store in stores().await {
        for n in 0..RACERS {
            let token = AdminToken {
                id: format!("k{n}"),
                tenant_id: TENANT.to_owned(),
                name: None,
                created_at: UnixTime(1),
                last_used_at: None,
            };
            let hash = TokenHash([u8::try_from(n).unwrap(); 32]);
            store.insert_admin_token(&token, &hash).await.unwrap();
        }
        let revocations = race(&store, |store, n| async move {
            store
                .revoke_admin_token(TENANT, &format!("k{n}"))
                .await
                .unwrap()
        })
        .await;
        let revoked = revocations
            .iter()
            .filter(|r| **r == Revocation::Revoked)
            .count();
        assert_eq!(revoked, RACERS - 1);
        assert_eq!(store.admin_tokens(TENANT).await.unwrap().len(), 1);
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
