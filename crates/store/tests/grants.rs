//! The OIDC provider's store contract: auth requests answered once, codes redeemed once,
//! refresh tokens rotated once (reuse told apart), devices and networks — on every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;

use support::{TENANT, stores, user};
use twofold_core::UnixTime;
use twofold_core::app::{App, AppMfa};
use twofold_core::authorize::{AuthRequest, ValidRequest};
use twofold_core::device::Device;
use twofold_core::grant::{Grant, Redemption, Rotation};
use twofold_core::precheck::Authentication;
use twofold_core::secrets::TokenHash;
use twofold_store::Store;

async fn with_app_and_user(store: &Arc<dyn Store>) {
    store.insert_user(&user("u1", "alice")).await.unwrap();
    store
        .insert_app(&App {
            client_id: "c1".into(),
            tenant_id: TENANT.into(),
            name: "Portal".into(),
            public: true,
            secret_hash: None,
            redirect_uris: vec!["https://portal.example.com/cb".into()],
            login_url: None,
            mfa: AppMfa::default(),
            created_at: UnixTime(1),
            updated_at: UnixTime(1),
        })
        .await
        .unwrap();
}

fn request(id: &str) -> AuthRequest {
    AuthRequest {
        id: id.into(),
        tenant_id: TENANT.into(),
        request: ValidRequest {
            client_id: "c1".into(),
            redirect_uri: "https://portal.example.com/cb".into(),
            scope: vec!["openid".into()],
            state: Some("s".into()),
            nonce: None,
            code_challenge: None,
            acr_values: vec![],
            max_age: Some(0),
            prompt: None,
        },
        created_at: UnixTime(100),
        expires_at: UnixTime(700),
        session_id: None,
        consumed_at: None,
    }
}

fn grant(id: &str, session_id: &str) -> Grant {
    Grant {
        id: id.into(),
        tenant_id: TENANT.into(),
        client_id: "c1".into(),
        user_id: "u1".into(),
        session_id: session_id.into(),
        redirect_uri: "https://portal.example.com/cb".into(),
        scope: vec!["openid".into(), "email".into()],
        nonce: Some("n".into()),
        code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
        authentication: Authentication {
            auth_time: UnixTime(90),
            amr: vec!["pwd".into(), "otp".into(), "mfa".into()],
            acr: "urn:twofold:acr:mfa".into(),
        },
        created_at: UnixTime(100),
        code_expires_at: UnixTime(160),
        revoked_at: None,
    }
}

#[tokio::test]
async fn an_auth_request_binds_to_one_session_and_is_answered_once() {
    for store in stores().await {
        with_app_and_user(&store).await;
        store.insert_auth_request(&request("r1")).await.unwrap();
        assert_eq!(store.auth_request("r1").await.unwrap(), Some(request("r1")));
        assert!(
            store
                .bind_auth_request("r1", "s1", UnixTime(200))
                .await
                .unwrap()
        );
        assert!(
            !store
                .consume_auth_request("r1", "s2", UnixTime(200))
                .await
                .unwrap(),
            "another session may not answer a bound request"
        );
        let racers: Vec<_> = (0..4)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(
                    async move { store.consume_auth_request("r1", "s1", UnixTime(201)).await },
                )
            })
            .collect();
        let mut wins = 0;
        for racer in racers {
            wins += usize::from(racer.await.unwrap().unwrap());
        }
        assert_eq!(wins, 1);
        let answered = store.auth_request("r1").await.unwrap().unwrap();
        assert_eq!(answered.consumed_at, Some(UnixTime(201)));
        assert!(
            !store
                .bind_auth_request("r1", "s3", UnixTime(202))
                .await
                .unwrap()
        );

        store.insert_auth_request(&request("r2")).await.unwrap();
        assert!(
            !store
                .consume_auth_request("r2", "s1", UnixTime(700))
                .await
                .unwrap(),
            "expired"
        );
    }
}

#[tokio::test]
async fn a_code_is_redeemed_once_and_a_second_try_names_its_grant() {
    for store in stores().await {
        with_app_and_user(&store).await;
        let code = TokenHash([7; 32]);
        store.insert_grant(&grant("g1", "s1"), &code).await.unwrap();
        assert_eq!(
            store.redeem_code(&code, UnixTime(160)).await.unwrap(),
            Redemption::Invalid,
            "expired at its lifetime"
        );
        let racers: Vec<_> = (0..4)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(
                    async move { store.redeem_code(&TokenHash([7; 32]), UnixTime(150)).await },
                )
            })
            .collect();
        let mut redeemed = Vec::new();
        let mut replays = 0;
        for racer in racers {
            match racer.await.unwrap().unwrap() {
                Redemption::Redeemed(g) => redeemed.push(*g),
                Redemption::Replayed { grant_id } => {
                    assert_eq!(grant_id, "g1");
                    replays += 1;
                }
                Redemption::Invalid => panic!("a live code is not invalid"),
            }
        }
        assert_eq!((redeemed.len(), replays), (1, 3));
        assert_eq!(redeemed[0], grant("g1", "s1"));
        assert_eq!(
            store
                .redeem_code(&TokenHash([8; 32]), UnixTime(150))
                .await
                .unwrap(),
            Redemption::Invalid
        );
    }
}

#[tokio::test]
async fn refresh_tokens_rotate_once_and_revocation_ends_them() {
    for store in stores().await {
        with_app_and_user(&store).await;
        store
            .insert_grant(&grant("g1", "s1"), &TokenHash([7; 32]))
            .await
            .unwrap();
        let first = TokenHash([1; 32]);
        store
            .insert_refresh_token(&first, "g1", UnixTime(100), UnixTime(1000))
            .await
            .unwrap();
        assert_eq!(
            store
                .rotate_refresh_token(&first, UnixTime(200))
                .await
                .unwrap(),
            Rotation::Rotated {
                grant_id: "g1".into()
            }
        );
        assert_eq!(
            store
                .rotate_refresh_token(&first, UnixTime(201))
                .await
                .unwrap(),
            Rotation::Reused {
                grant_id: "g1".into()
            }
        );
        let second = TokenHash([2; 32]);
        store
            .insert_refresh_token(&second, "g1", UnixTime(200), UnixTime(1000))
            .await
            .unwrap();
        assert_eq!(
            store
                .rotate_refresh_token(&second, UnixTime(1000))
                .await
                .unwrap(),
            Rotation::Invalid,
            "expired"
        );
        let third = TokenHash([3; 32]);
        store
            .insert_refresh_token(&third, "g1", UnixTime(200), UnixTime(1000))
            .await
            .unwrap();
        assert!(store.revoke_grant("g1", UnixTime(300)).await.unwrap());
        assert!(!store.revoke_grant("g1", UnixTime(301)).await.unwrap());
        assert_eq!(
            store
                .rotate_refresh_token(&third, UnixTime(302))
                .await
                .unwrap(),
            Rotation::Invalid
        );
        assert_eq!(
            store.grant("g1").await.unwrap().unwrap().revoked_at,
            Some(UnixTime(300))
        );

        // Signing out revokes what the session led to, and nothing else.
        store
            .insert_grant(&grant("g2", "s2"), &TokenHash([9; 32]))
            .await
            .unwrap();
        store
            .insert_grant(&grant("g3", "s3"), &TokenHash([10; 32]))
            .await
            .unwrap();
        assert_eq!(
            store
                .revoke_grants_of_session("s2", UnixTime(400))
                .await
                .unwrap(),
            1
        );
        assert!(store.grant("g2").await.unwrap().unwrap().is_revoked());
        assert!(!store.grant("g3").await.unwrap().unwrap().is_revoked());

        // A deleted user takes their grants along.
        assert!(store.delete_user(TENANT, "u1").await.unwrap());
        assert_eq!(store.grant("g3").await.unwrap(), None);
    }
}

#[tokio::test]
async fn devices_and_networks_are_remembered_per_user() {
    for store in stores().await {
        with_app_and_user(&store).await;
        store.insert_user(&user("u2", "bob")).await.unwrap();
        let mut device = Device {
            id: "d1".into(),
            tenant_id: TENANT.into(),
            user_id: "u1".into(),
            trusted_until: None,
            last_second_factor_at: Some(UnixTime(50)),
            created_at: UnixTime(10),
            last_seen_at: UnixTime(10),
        };
        let token = TokenHash([5; 32]);
        store.insert_device(&device, &token).await.unwrap();
        assert_eq!(
            store.device_by_token(&token).await.unwrap(),
            Some(device.clone())
        );
        device.trusted_until = Some(UnixTime(5000));
        device.last_seen_at = UnixTime(60);
        assert!(store.update_device(&device).await.unwrap());
        assert_eq!(store.devices_of("u1").await.unwrap(), vec![device.clone()]);
        assert!(store.devices_of("u2").await.unwrap().is_empty());
        assert!(!store.delete_device("u2", "d1").await.unwrap(), "not bob's");
        assert!(store.delete_device("u1", "d1").await.unwrap());
        assert_eq!(store.device_by_token(&token).await.unwrap(), None);

        assert!(!store.knows_network("u1", "192.0.2.0/24").await.unwrap());
        store
            .record_network("u1", "192.0.2.0/24", UnixTime(1))
            .await
            .unwrap();
        store
            .record_network("u1", "192.0.2.0/24", UnixTime(2))
            .await
            .unwrap();
        assert!(store.knows_network("u1", "192.0.2.0/24").await.unwrap());
        assert!(!store.knows_network("u2", "192.0.2.0/24").await.unwrap());
    }
}
