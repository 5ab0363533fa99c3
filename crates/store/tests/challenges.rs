//! The contract for SMS/email challenges and send quotas, on every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::{TENANT, stores, user};
use twofold_core::UnixTime;
use twofold_core::challenge::{Challenge, Channel, Purpose};
use twofold_core::quota::Scope;
use twofold_core::secrets::TokenHash;

fn challenge(id: &str, channel: Channel, purpose: Purpose, created: i64) -> Challenge {
    Challenge {
        id: id.to_owned(),
        tenant_id: TENANT.to_owned(),
        user_id: "u1".to_owned(),
        channel,
        purpose,
        destination: "+41791234567".to_owned(),
        code_hash: TokenHash([7; 32]),
        created_at: UnixTime(created),
        expires_at: UnixTime(created + 300),
        attempts_left: 5,
    }
}

#[tokio::test]
async fn a_new_challenge_voids_the_live_one_of_its_channel_and_purpose_only() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        store
            .replace_challenge(&challenge("c1", Channel::Sms, Purpose::SignIn, 100))
            .await
            .unwrap();
        store
            .replace_challenge(&challenge("e1", Channel::Email, Purpose::SignIn, 100))
            .await
            .unwrap();
        store
            .replace_challenge(&challenge("v1", Channel::Sms, Purpose::VerifyContact, 100))
            .await
            .unwrap();
        store
            .replace_challenge(&challenge("c2", Channel::Sms, Purpose::SignIn, 130))
            .await
            .unwrap();
        let live = store
            .live_challenge("u1", Channel::Sms, Purpose::SignIn)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(live, challenge("c2", Channel::Sms, Purpose::SignIn, 130));
        assert_eq!(
            store
                .take_challenge_attempt("c1", UnixTime(131))
                .await
                .unwrap(),
            None,
            "voided"
        );
        assert!(
            store
                .live_challenge("u1", Channel::Email, Purpose::SignIn)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            store
                .live_challenge("u1", Channel::Sms, Purpose::VerifyContact)
                .await
                .unwrap()
                .is_some()
        );
    }
}

#[tokio::test]
async fn attempts_run_out_exactly_even_when_racing_and_expiry_ends_them() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        store
            .replace_challenge(&challenge("c1", Channel::Email, Purpose::SignIn, 100))
            .await
            .unwrap();
        let racers: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .take_challenge_attempt("c1", UnixTime(101))
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut granted = Vec::new();
        for racer in racers {
            granted.extend(racer.await.unwrap());
        }
        granted.sort();
        assert_eq!(granted, vec![0, 1, 2, 3, 4], "five tries, each seen once");

        store
            .replace_challenge(&challenge("c2", Channel::Email, Purpose::SignIn, 200))
            .await
            .unwrap();
        assert_eq!(
            store
                .take_challenge_attempt("c2", UnixTime(499))
                .await
                .unwrap(),
            Some(4)
        );
        assert_eq!(
            store
                .take_challenge_attempt("c2", UnixTime(500))
                .await
                .unwrap(),
            None,
            "expired"
        );
        assert!(store.consume_challenge("c2").await.unwrap());
        assert!(
            !store.consume_challenge("c2").await.unwrap(),
            "consumed once"
        );
    }
}

#[tokio::test]
async fn sends_are_counted_per_key_over_rolling_windows() {
    for store in stores().await {
        let keys = |dest: &str| {
            vec![
                (Scope::Destination, dest.to_owned()),
                (Scope::Ip, "10.0.0.1".to_owned()),
            ]
        };
        for at in [100, 200, 300] {
            store
                .record_hits(TENANT, &keys("+41791234567"), UnixTime(at))
                .await
                .unwrap();
        }
        let refused = store
            .record_hits(TENANT, &keys("+41791234567"), UnixTime(400))
            .await
            .unwrap();
        store.forget_hits(&refused).await.unwrap();
        store
            .record_hits(TENANT, &keys("+41790000000"), UnixTime(400))
            .await
            .unwrap();

        let dest = store
            .count_hits(TENANT, Scope::Destination, "+41791234567", UnixTime(0))
            .await
            .unwrap();
        assert_eq!((dest.count, dest.oldest), (3, UnixTime(100)));
        let recent = store
            .count_hits(TENANT, Scope::Destination, "+41791234567", UnixTime(150))
            .await
            .unwrap();
        assert_eq!((recent.count, recent.oldest), (2, UnixTime(200)));
        assert_eq!(
            store
                .count_hits(TENANT, Scope::Ip, "10.0.0.1", UnixTime(0))
                .await
                .unwrap()
                .count,
            4
        );
        assert_eq!(
            store
                .count_hits("other", Scope::Ip, "10.0.0.1", UnixTime(0))
                .await
                .unwrap()
                .count,
            0
        );
        assert_eq!(
            store
                .count_hits(TENANT, Scope::User, "nobody", UnixTime(0))
                .await
                .unwrap()
                .count,
            0
        );
    }
}
