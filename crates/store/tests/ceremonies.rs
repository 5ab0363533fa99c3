//! WebAuthn ceremonies are taken once and not after their expiry; a credential's counter only
//! moves forward — on every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::json;
use support::{TENANT, stores, totp, user};
use twofold_core::UnixTime;
use twofold_core::authenticator::AuthenticatorState;
use twofold_core::webauthn::{Ceremony, CeremonyPurpose};
use twofold_store::{Applied, Consumption, SessionWrite, StepWrite, Store};

fn ceremony(id: &str, session: Option<&str>, authenticator: Option<&str>) -> Ceremony {
    Ceremony {
        id: id.into(),
        tenant_id: TENANT.into(),
        purpose: CeremonyPurpose::Authenticate,
        session_id: session.map(str::to_owned),
        user_id: Some("u1".into()),
        authenticator_id: authenticator.map(str::to_owned),
        state: "{\"kind\":\"stand_in\"}".into(),
        created_at: UnixTime(100),
        expires_at: UnixTime(400),
    }
}

#[tokio::test]
async fn a_ceremony_is_taken_once_replaced_by_the_next_and_dead_after_its_expiry() {
    for store in stores().await {
        store
            .replace_ceremony(&ceremony("c1", Some("s1"), None))
            .await
            .unwrap();
        store
            .replace_ceremony(&ceremony("c2", Some("s1"), None))
            .await
            .unwrap();
        let racers: Vec<_> = (0..4)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(
                    async move { store.take_ceremony(Some("s1"), None, UnixTime(200)).await },
                )
            })
            .collect();
        let mut taken = Vec::new();
        for racer in racers {
            taken.extend(racer.await.unwrap().unwrap());
        }
        assert_eq!(taken.len(), 1, "one winner");
        assert_eq!(
            taken[0],
            ceremony("c2", Some("s1"), None),
            "the newer one replaced the first"
        );

        store
            .replace_ceremony(&ceremony("c3", None, Some("a1")))
            .await
            .unwrap();
        assert_eq!(
            store
                .take_ceremony(Some("s1"), None, UnixTime(200))
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            store
                .take_ceremony(None, Some("a1"), UnixTime(400))
                .await
                .unwrap(),
            None,
            "expired at its deadline, and gone"
        );
        assert_eq!(
            store
                .take_ceremony(None, Some("a1"), UnixTime(200))
                .await
                .unwrap(),
            None
        );
    }
}

/// Spends credential `k1`'s signature counter as a sign-in step does; whether it was saved.
async fn spend_counter(
    store: &dyn Store,
    credential: &serde_json::Value,
    counter: u32,
    at: UnixTime,
) -> bool {
    let mut write = StepWrite::new(SessionWrite::Keep);
    write.consume.push(Consumption::CredentialCounter {
        authenticator_id: "k1".into(),
        credential: credential.clone(),
        counter,
        at,
    });
    match store.apply_step(&write).await.unwrap() {
        Applied::Committed { .. } => true,
        Applied::ConsumptionLost(_) => false,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_credential_is_activated_once_and_its_counter_only_moves_forward() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        let mut pending = totp("k1", "u1", AuthenticatorState::Pending);
        pending.factor = twofold_core::Factor::Webauthn;
        pending.sealed_secret = None;
        store.insert_authenticator(&pending).await.unwrap();
        let credential = json!({"cred_id": "AAAA", "counter": 0});
        assert!(
            !spend_counter(store.as_ref(), &credential, 1, UnixTime(5)).await,
            "pending"
        );
        assert!(
            store
                .activate_credential("k1", "Key", &credential, UnixTime(5))
                .await
                .unwrap()
        );
        assert!(
            !store
                .activate_credential("k1", "Key", &credential, UnixTime(6))
                .await
                .unwrap()
        );
        // A key without a counter says zero every time, and every time saves.
        for at in [6, 7] {
            assert!(spend_counter(store.as_ref(), &credential, 0, UnixTime(at)).await);
        }
        assert!(spend_counter(store.as_ref(), &json!({"counter": 3}), 3, UnixTime(7)).await);
        assert!(!spend_counter(store.as_ref(), &json!({"counter": 3}), 3, UnixTime(8)).await);
        assert!(!spend_counter(store.as_ref(), &json!({"counter": 2}), 2, UnixTime(8)).await);
        // A zero after a count is not "a key without a counter": it would reset the counter.
        assert!(!spend_counter(store.as_ref(), &json!({"counter": 0}), 0, UnixTime(8)).await);
        let stored = store.authenticators_of("u1").await.unwrap();
        assert_eq!(
            (stored[0].name.as_str(), stored[0].last_step),
            ("Key", Some(3))
        );
        assert_eq!(stored[0].params, json!({"counter": 3}));
        assert!(
            store
                .rename_authenticator("u1", "k1", "Desk")
                .await
                .unwrap()
        );
        assert!(
            !store
                .rename_authenticator("u2", "k1", "Desk")
                .await
                .unwrap()
        );
    }
}
