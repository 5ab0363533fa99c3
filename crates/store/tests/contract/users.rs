//! Users: lookup by name or verified email, unique names, failure counters and locks.

use twofold_core::authenticator::AuthenticatorState;
use twofold_core::lockout::{Counter, LockState};
use twofold_core::{Factor, UnixTime};
use twofold_store::StoreError;

use crate::support::{TENANT, stores, totp, user};

#[tokio::test]
async fn users_are_found_by_username_or_verified_email_and_names_are_unique() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        let duplicate = store.insert_user(&user("u2", "alice")).await;
        assert!(
            matches!(duplicate, Err(StoreError::Conflict(_))),
            "{duplicate:?}"
        );

        assert_eq!(
            store
                .user_by_login_name(TENANT, "alice")
                .await
                .unwrap()
                .unwrap()
                .id,
            "u1"
        );
        assert!(
            store
                .user_by_login_name(TENANT, "alice@example.com")
                .await
                .unwrap()
                .is_none()
        );
        let mut alice = store.user(TENANT, "u1").await.unwrap().unwrap();
        alice.email_verified = true;
        alice.mfa_enabled = true;
        alice.required_factors = vec![Factor::Totp];
        assert!(store.update_user(&alice).await.unwrap());
        let found = store
            .user_by_login_name(TENANT, "alice@example.com")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found, alice);
        assert!(store.user("other-tenant", "u1").await.unwrap().is_none());

        store
            .insert_authenticator(&totp("a1", "u1", AuthenticatorState::Active))
            .await
            .unwrap();
        assert!(store.delete_user(TENANT, "u1").await.unwrap());
        assert!(store.authenticators_of("u1").await.unwrap().is_empty());
        assert!(!store.delete_user(TENANT, "u1").await.unwrap());
    }
}

#[tokio::test]
async fn concurrent_failures_are_all_counted_and_locks_clear() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        let tasks: Vec<_> = (0..25)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .record_second_factor_failure("u1")
                        .await
                        .unwrap()
                        .failures
                })
            })
            .collect();
        let mut seen = Vec::new();
        for task in tasks {
            seen.push(task.await.unwrap());
        }
        seen.sort();
        assert_eq!(
            seen,
            (1..=25).collect::<Vec<u32>>(),
            "each failure saw its own count"
        );
        let alice = store.user(TENANT, "u1").await.unwrap().unwrap();
        assert_eq!(alice.second_factor.failures, 25);
        assert_eq!(alice.password.failures, 0, "budgets are separate");

        assert!(
            store
                .lock_second_factor("u1", LockState::Until(UnixTime(900)), 5, 100)
                .await
                .unwrap()
        );
        store
            .record_password_failure(TENANT, "u1", None, UnixTime(5))
            .await
            .unwrap();
        assert!(
            store
                .lock_password_account(TENANT, "u1", LockState::Blocked, 1)
                .await
                .unwrap()
        );
        let alice = store.user(TENANT, "u1").await.unwrap().unwrap();
        assert_eq!(
            alice.second_factor,
            Counter {
                failures: 0,
                run: 25,
                lockouts: 1,
                lock: LockState::Until(UnixTime(900))
            }
        );
        assert_eq!(alice.password.lock, LockState::Blocked);

        assert!(store.unlock("u1").await.unwrap());
        let alice = store.user(TENANT, "u1").await.unwrap().unwrap();
        assert_eq!(
            (alice.second_factor, alice.password),
            (Counter::default(), Counter::default())
        );
        assert!(!store.unlock("nobody").await.unwrap());
        assert_eq!(
            store.record_second_factor_failure("nobody").await.unwrap(),
            Counter::default()
        );
    }
}
