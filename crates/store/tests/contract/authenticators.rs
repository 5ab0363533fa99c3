//! Authenticators' one-use secrets: TOTP steps and backup codes.

use twofold_core::authenticator::{Authenticator, AuthenticatorState};
use twofold_core::secrets::TokenHash;
use twofold_core::{Factor, UnixTime};

use crate::support::{stores, totp, user};

#[tokio::test]
async fn a_totp_step_is_consumed_once_and_never_backwards() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        store
            .insert_authenticator(&totp("pending", "u1", AuthenticatorState::Pending))
            .await
            .unwrap();
        assert!(
            !store
                .consume_totp_step("pending", 10, UnixTime(5))
                .await
                .unwrap()
        );
        assert!(
            store
                .activate_authenticator("pending", Some(10), UnixTime(5))
                .await
                .unwrap()
        );
        assert!(
            !store
                .activate_authenticator("pending", Some(11), UnixTime(5))
                .await
                .unwrap()
        );
        assert!(
            !store
                .consume_totp_step("pending", 10, UnixTime(6))
                .await
                .unwrap()
        );
        assert!(
            !store
                .consume_totp_step("pending", 9, UnixTime(6))
                .await
                .unwrap()
        );
        assert!(
            store
                .consume_totp_step("pending", 11, UnixTime(6))
                .await
                .unwrap()
        );
        let stored = store.authenticators_of("u1").await.unwrap();
        assert_eq!(stored[0].last_step, Some(11));
        assert_eq!(stored[0].state, AuthenticatorState::Active);
        assert_eq!(stored[0].last_used_at, Some(UnixTime(6)));
    }
}

#[tokio::test]
async fn racing_the_same_totp_step_lets_exactly_one_win() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        store
            .insert_authenticator(&totp("a1", "u1", AuthenticatorState::Active))
            .await
            .unwrap();
        for step in 100..110u64 {
            let racers: Vec<_> = (0..8)
                .map(|_| {
                    let store = store.clone();
                    tokio::spawn(async move {
                        store
                            .consume_totp_step("a1", step, UnixTime(1))
                            .await
                            .unwrap()
                    })
                })
                .collect();
            let mut winners = 0;
            for racer in racers {
                winners += usize::from(racer.await.unwrap());
            }
            assert_eq!(winners, 1, "step {step}");
        }
    }
}

#[tokio::test]
async fn backup_codes_are_single_use_and_a_new_set_replaces_the_old() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        let set = |id: &str| Authenticator {
            factor: Factor::BackupCode,
            sealed_secret: None,
            ..totp(id, "u1", AuthenticatorState::Active)
        };
        let first: Vec<TokenHash> = (0..10u8).map(|i| TokenHash([i; 32])).collect();
        store
            .replace_backup_codes(&set("set1"), &first)
            .await
            .unwrap();
        assert_eq!(store.unused_backup_codes("u1").await.unwrap(), 10);

        let racers: Vec<_> = (0..6)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .consume_backup_code("u1", &TokenHash([3; 32]), UnixTime(9))
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut winners = 0;
        for racer in racers {
            winners += usize::from(racer.await.unwrap());
        }
        assert_eq!(winners, 1);
        assert_eq!(store.unused_backup_codes("u1").await.unwrap(), 9);

        let second: Vec<TokenHash> = (50..60u8).map(|i| TokenHash([i; 32])).collect();
        store
            .replace_backup_codes(&set("set2"), &second)
            .await
            .unwrap();
        assert!(
            !store
                .consume_backup_code("u1", &TokenHash([4; 32]), UnixTime(9))
                .await
                .unwrap()
        );
        assert!(
            store
                .consume_backup_code("u1", &TokenHash([55; 32]), UnixTime(9))
                .await
                .unwrap()
        );
        let ids: Vec<String> = store
            .authenticators_of("u1")
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.id)
            .collect();
        assert_eq!(ids, vec!["set2".to_owned()]);
    }
}
