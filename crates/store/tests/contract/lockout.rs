//! Lockout counters: second-factor escalation on the user, and the password throttle per login
//! name and client address — for names nobody has exactly as for users.

use twofold_core::UnixTime;
use twofold_core::lockout::{Counter, LockState, PasswordThrottle};

use crate::support::{TENANT, stores, user};

#[tokio::test]
async fn the_second_factor_run_outlives_suspensions_until_a_pass() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        for round in 1..=2u32 {
            let mut last = Counter::default();
            for _ in 0..5 {
                last = store.record_second_factor_failure("u1").await.unwrap();
            }
            assert_eq!(
                (last.failures, last.run, last.lockouts),
                (5, 5 * round, round - 1)
            );
            let lock = LockState::Until(UnixTime(1000 * i64::from(round)));
            assert!(store.lock_second_factor("u1", lock, 5, 100).await.unwrap());
            // A racer that counted into the same budget finds it emptied: one lock per budget.
            assert!(!store.lock_second_factor("u1", lock, 5, 100).await.unwrap());
        }
        let alice = store.user(TENANT, "u1").await.unwrap().unwrap();
        assert_eq!(
            alice.second_factor,
            Counter {
                failures: 0,
                run: 10,
                lockouts: 2,
                lock: LockState::Until(UnixTime(2000)),
            }
        );
        // At the ceiling the budget need not be spent.
        let next = store.record_second_factor_failure("u1").await.unwrap();
        assert_eq!((next.failures, next.run), (1, 11));
        assert!(
            !store
                .lock_second_factor("u1", LockState::Blocked, 5, 12)
                .await
                .unwrap()
        );
        assert!(
            store
                .lock_second_factor("u1", LockState::Blocked, 5, 11)
                .await
                .unwrap()
        );
        assert!(
            !store
                .lock_second_factor("u1", LockState::Blocked, 5, 11)
                .await
                .unwrap()
        );
        let alice = store.user(TENANT, "u1").await.unwrap().unwrap();
        assert_eq!(alice.second_factor.lock, LockState::Blocked);
        assert_eq!(alice.second_factor.lockouts, 3);

        store.clear_second_factor_failures("u1").await.unwrap();
        let alice = store.user(TENANT, "u1").await.unwrap().unwrap();
        assert_eq!(
            (
                alice.second_factor.failures,
                alice.second_factor.run,
                alice.second_factor.lockouts
            ),
            (0, 0, 0),
            "a pass ends the run and its escalation"
        );
        assert_eq!(
            alice.second_factor.lock,
            LockState::Blocked,
            "only an unlock lifts a lock"
        );
        assert!(store.unlock("u1").await.unwrap());
        let alice = store.user(TENANT, "u1").await.unwrap().unwrap();
        assert_eq!(alice.second_factor, Counter::default());
    }
}

#[tokio::test]
async fn password_failures_count_per_source_and_account_wide_for_any_name() {
    for store in stores().await {
        // A stand-in subject: nobody has the name, and it is counted all the same.
        let subject = "stand-in-1";
        let tasks: Vec<_> = (0..12)
            .map(|n| {
                let store = store.clone();
                tokio::spawn(async move {
                    let ip = if n % 3 == 0 { "10.0.0.1" } else { "10.0.0.2" };
                    store
                        .record_password_failure(TENANT, subject, Some(ip), UnixTime(10))
                        .await
                        .unwrap()
                        .account
                        .failures
                })
            })
            .collect();
        let mut seen = Vec::new();
        for task in tasks {
            seen.push(task.await.unwrap());
        }
        seen.sort();
        assert_eq!(seen, (1..=12).collect::<Vec<u32>>());
        let one = store
            .password_throttle(TENANT, subject, Some("10.0.0.1"))
            .await
            .unwrap();
        assert_eq!((one.source.failures, one.account.failures), (4, 12));
        let two = store
            .password_throttle(TENANT, subject, Some("10.0.0.2"))
            .await
            .unwrap();
        assert_eq!((two.source.failures, two.account.failures), (8, 12));
        let elsewhere = store
            .password_throttle(TENANT, subject, Some("10.0.0.3"))
            .await
            .unwrap();
        assert_eq!(
            (elsewhere.source, elsewhere.account.failures),
            (Counter::default(), 12)
        );
        let other_name = store
            .password_throttle(TENANT, "stand-in-2", Some("10.0.0.1"))
            .await
            .unwrap();
        assert_eq!(other_name, PasswordThrottle::default());

        // A source's wait only grows.
        store
            .delay_password_source(TENANT, subject, "10.0.0.1", UnixTime(200))
            .await
            .unwrap();
        store
            .delay_password_source(TENANT, subject, "10.0.0.1", UnixTime(100))
            .await
            .unwrap();
        let one = store
            .password_throttle(TENANT, subject, Some("10.0.0.1"))
            .await
            .unwrap();
        assert_eq!(one.source.lock, LockState::Until(UnixTime(200)));
        assert_eq!(
            one.account.lock,
            LockState::Open,
            "a source's wait is its own"
        );

        // The account locks once, for everyone, and starts a fresh count.
        let lock = LockState::Until(UnixTime(900));
        assert!(
            !store
                .lock_password_account(TENANT, subject, lock, 13)
                .await
                .unwrap()
        );
        assert!(
            store
                .lock_password_account(TENANT, subject, lock, 12)
                .await
                .unwrap()
        );
        assert!(
            !store
                .lock_password_account(TENANT, subject, lock, 12)
                .await
                .unwrap()
        );
        let elsewhere = store
            .password_throttle(TENANT, subject, Some("10.0.0.3"))
            .await
            .unwrap();
        assert_eq!(
            elsewhere.account,
            Counter {
                failures: 0,
                run: 12,
                lockouts: 1,
                lock
            }
        );

        // A right password clears its source and the account, not other sources.
        store
            .clear_password_failures(TENANT, subject, Some("10.0.0.2"))
            .await
            .unwrap();
        let one = store
            .password_throttle(TENANT, subject, Some("10.0.0.1"))
            .await
            .unwrap();
        assert_eq!(one.account, Counter::default());
        assert_eq!(one.source.failures, 4);
        let two = store
            .password_throttle(TENANT, subject, Some("10.0.0.2"))
            .await
            .unwrap();
        assert_eq!(two, PasswordThrottle::default());
    }
}

#[tokio::test]
async fn a_users_password_run_shows_on_the_user_and_unlock_and_deletion_clear_it() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        store.insert_user(&user("u2", "bob")).await.unwrap();
        for _ in 0..3 {
            store
                .record_password_failure(TENANT, "u1", Some("10.0.0.1"), UnixTime(10))
                .await
                .unwrap();
        }
        store
            .record_password_failure(TENANT, "u2", Some("10.0.0.1"), UnixTime(10))
            .await
            .unwrap();
        store
            .delay_password_source(TENANT, "u1", "10.0.0.1", UnixTime(500))
            .await
            .unwrap();
        let alice = store
            .user_by_login_name(TENANT, "alice")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((alice.password.failures, alice.password.run), (3, 3));
        assert_eq!(
            alice.password.lock,
            LockState::Open,
            "the account is not locked"
        );

        assert!(store.unlock("u1").await.unwrap());
        let throttle = store
            .password_throttle(TENANT, "u1", Some("10.0.0.1"))
            .await
            .unwrap();
        assert_eq!(throttle, PasswordThrottle::default(), "every source too");
        let bob = store.user(TENANT, "u2").await.unwrap().unwrap();
        assert_eq!(bob.password.failures, 1, "other users keep theirs");

        assert!(store.delete_user(TENANT, "u2").await.unwrap());
        let gone = store
            .password_throttle(TENANT, "u2", Some("10.0.0.1"))
            .await
            .unwrap();
        assert_eq!(gone, PasswordThrottle::default());
    }
}

#[tokio::test]
async fn stale_password_throttles_are_pruned_and_locks_in_force_stay() {
    const IP: &str = "10.0.0.1";
    for store in stores().await {
        let fail = |subject: &'static str, source: Option<&'static str>, at: i64| {
            let store = store.clone();
            async move {
                store
                    .record_password_failure(TENANT, subject, source, UnixTime(at))
                    .await
                    .unwrap()
            }
        };
        fail("stale", Some(IP), 100).await;
        fail("fresh", Some(IP), 100).await;
        fail("fresh", Some(IP), 1000).await;
        // A source still waiting stays; its account row, holding no lock, goes.
        fail("waiting", Some(IP), 100).await;
        store
            .delay_password_source(TENANT, "waiting", IP, UnixTime(20_000))
            .await
            .unwrap();
        // A lock in force and a block stay; a lock that is over goes.
        for (subject, lock) in [
            ("locked", LockState::Until(UnixTime(20_000))),
            ("blocked", LockState::Blocked),
            ("expired", LockState::Until(UnixTime(500))),
        ] {
            fail(subject, None, 100).await;
            assert!(
                store
                    .lock_password_account(TENANT, subject, lock, 1)
                    .await
                    .unwrap()
            );
        }

        let forgotten = store
            .forget_stale_password_failures(TENANT, UnixTime(1000), UnixTime(10_000))
            .await
            .unwrap();
        assert_eq!(forgotten, 4, "stale's two rows, waiting's account, expired");

        let left = |subject: &'static str| {
            let store = store.clone();
            async move {
                store
                    .password_throttle(TENANT, subject, Some(IP))
                    .await
                    .unwrap()
            }
        };
        assert_eq!(left("stale").await, PasswordThrottle::default());
        assert_eq!(left("expired").await, PasswordThrottle::default());
        let fresh = left("fresh").await;
        assert_eq!((fresh.account.failures, fresh.source.failures), (2, 2));
        let waiting = left("waiting").await;
        assert_eq!(waiting.account, Counter::default());
        assert_eq!(waiting.source.lock, LockState::Until(UnixTime(20_000)));
        assert_eq!(
            left("locked").await.account.lock,
            LockState::Until(UnixTime(20_000))
        );
        assert_eq!(left("blocked").await.account.lock, LockState::Blocked);

        // Once the lock is over, its row goes too; a block never does.
        let forgotten = store
            .forget_stale_password_failures(TENANT, UnixTime(i64::MAX - 1), UnixTime(i64::MAX - 1))
            .await
            .unwrap();
        assert_eq!(forgotten, 4, "fresh's two rows, waiting's source, locked");
        assert_eq!(left("blocked").await.account.lock, LockState::Blocked);
    }
}
