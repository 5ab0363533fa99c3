//! Push devices: enrolment codes taken once, one pending exchange per user, answers recorded
//! once, refusals counted for fatigue, pauses noted once.

use serde_json::json;
use twofold_core::authenticator::{Authenticator, AuthenticatorState};
use twofold_core::push::{PushExchange, PushPolicy, PushState};
use twofold_core::secrets::TokenHash;
use twofold_core::{Factor, UnixTime};
use twofold_store::{PushEnrolment, PushStart, StoredPushExchange};

use crate::support::{TENANT, stores, user};

fn device(id: &str) -> Authenticator {
    Authenticator {
        id: id.to_owned(),
        user_id: "u1".to_owned(),
        factor: Factor::Push,
        name: "push".to_owned(),
        state: AuthenticatorState::Pending,
        sealed_secret: None,
        params: json!({}),
        last_step: None,
        created_at: UnixTime(1),
        last_used_at: None,
    }
}

fn exchange(id: &str, now: i64) -> StoredPushExchange {
    StoredPushExchange {
        exchange: PushExchange::new(
            id.to_owned(),
            "u1".to_owned(),
            "d1".to_owned(),
            format!("s-{id}"),
            42,
            UnixTime(now),
            &PushPolicy::default(),
        ),
        tenant_id: TENANT.to_owned(),
        app: Some("app".to_owned()),
        client_ip: None,
    }
}

#[tokio::test]
async fn an_enrolment_code_is_taken_once_and_never_after_it_expires() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        store.insert_authenticator(&device("d1")).await.unwrap();
        for (hash, expires) in [(TokenHash([1; 32]), 100), (TokenHash([2; 32]), 10)] {
            let enrolment = PushEnrolment {
                code_hash: hash,
                tenant_id: TENANT.to_owned(),
                user_id: "u1".to_owned(),
                authenticator_id: "d1".to_owned(),
                expires_at: UnixTime(expires),
            };
            store.insert_push_enrolment(&enrolment).await.unwrap();
        }
        let taken = store
            .take_push_enrolment(&TokenHash([1; 32]), UnixTime(50))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(taken.authenticator_id, "d1");
        for hash in [[1; 32], [2; 32], [3; 32]] {
            let hash = TokenHash(hash);
            let again = store.take_push_enrolment(&hash, UnixTime(50)).await;
            assert_eq!(again.unwrap(), None);
        }
        let params = json!({"public_key": {"kty": "OKP"}});
        assert!(
            store
                .attach_push_device("d1", "Phone", &params, Some(&[9, 9]))
                .await
                .unwrap()
        );
        let found = store.push_device("d1").await.unwrap().unwrap();
        assert_eq!(found.tenant_id, TENANT);
        assert_eq!(found.authenticator.name, "Phone");
        assert_eq!(found.authenticator.params, params);
        assert_eq!(found.authenticator.sealed_secret, Some(vec![9, 9]));
        store
            .activate_authenticator("d1", None, UnixTime(60))
            .await
            .unwrap();
        assert!(
            !store
                .attach_push_device("d1", "Other", &params, None)
                .await
                .unwrap()
        );
        assert_eq!(store.push_device("nope").await.unwrap(), None);
    }
}

#[tokio::test]
async fn one_exchange_is_pending_per_user_and_answered_once() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        store.insert_authenticator(&device("d1")).await.unwrap();
        let first = exchange("x1", 100);
        assert_eq!(
            store
                .start_push_exchange(&first, UnixTime(100))
                .await
                .unwrap(),
            PushStart::Started
        );
        assert_eq!(
            store
                .start_push_exchange(&exchange("x2", 110), UnixTime(110))
                .await
                .unwrap(),
            PushStart::Waiting(first.clone())
        );
        let pending = store
            .pending_push_exchanges("d1", UnixTime(110))
            .await
            .unwrap();
        assert_eq!(pending, vec![first.clone()]);
        let approved = PushState::Approved {
            user_verified: true,
        };
        assert!(
            store
                .answer_push_exchange("x1", approved, UnixTime(120))
                .await
                .unwrap()
        );
        assert!(
            !store
                .answer_push_exchange("x1", PushState::Denied, UnixTime(121))
                .await
                .unwrap()
        );
        let read = store.push_exchange("x1").await.unwrap().unwrap();
        assert_eq!(read.exchange.state, approved);
        // Past its expiry a pending exchange gives way to the next and counts as unanswered.
        assert_eq!(
            store
                .start_push_exchange(&exchange("x3", 200), UnixTime(200))
                .await
                .unwrap(),
            PushStart::Started
        );
        assert!(
            !store
                .answer_push_exchange("x3", PushState::Denied, UnixTime(260))
                .await
                .unwrap()
        );
        assert_eq!(
            store
                .start_push_exchange(&exchange("x4", 300), UnixTime(300))
                .await
                .unwrap(),
            PushStart::Started
        );
        assert!(
            store
                .answer_push_exchange("x4", PushState::WrongNumber, UnixTime(310))
                .await
                .unwrap()
        );
        let mut refusals = store
            .push_refusals("u1", UnixTime(0), UnixTime(400))
            .await
            .unwrap();
        refusals.sort();
        assert_eq!(refusals, vec![UnixTime(260), UnixTime(310)]);
        assert_eq!(
            store
                .push_refusals("u1", UnixTime(300), UnixTime(400))
                .await
                .unwrap(),
            vec![UnixTime(310)]
        );
        assert!(store.note_push_pause("u1", UnixTime(500)).await.unwrap());
        assert!(!store.note_push_pause("u1", UnixTime(500)).await.unwrap());
        assert!(store.note_push_pause("u1", UnixTime(600)).await.unwrap());
    }
}
