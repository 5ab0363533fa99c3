//! One contract, every backend: SQLite always, PostgreSQL when TWOFOLD_TEST_DATABASE_URL is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeMap;

use serde_json::json;
use support::{TENANT, stores, totp, user};
use twofold_core::authenticator::{Authenticator, AuthenticatorState};
use twofold_core::event::EventType;
use twofold_core::lockout::{Budget, Counter, LockState};
use twofold_core::secrets::TokenHash;
use twofold_core::session::Session;
use twofold_core::settings::LoginSettings;
use twofold_core::{Factor, UnixTime};
use twofold_store::{EventQuery, NewEvent, StoreError};

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
async fn concurrent_failures_are_all_counted_and_locks_clear() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        let tasks: Vec<_> = (0..25)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .record_failure("u1", Budget::SecondFactor)
                        .await
                        .unwrap()
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

        store
            .lock("u1", Budget::SecondFactor, LockState::Until(UnixTime(900)))
            .await
            .unwrap();
        store
            .lock("u1", Budget::Password, LockState::Blocked)
            .await
            .unwrap();
        let alice = store.user(TENANT, "u1").await.unwrap().unwrap();
        assert_eq!(
            alice.second_factor,
            Counter {
                failures: 0,
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
            store
                .record_failure("nobody", Budget::Password)
                .await
                .unwrap(),
            0
        );
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

#[tokio::test]
async fn a_session_token_rotates_once_per_update() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        let mut session = Session::new(
            "s1".into(),
            TENANT.into(),
            UnixTime(10),
            &LoginSettings::default(),
        );
        let first = TokenHash([1; 32]);
        store.insert_session(&session, &first).await.unwrap();
        session.identify("u1", UnixTime(11)).unwrap();
        session.record_pass(Factor::Password, UnixTime(11));

        let racers: Vec<_> = (2..8u8)
            .map(|n| {
                let store = store.clone();
                let session = session.clone();
                tokio::spawn(async move {
                    store
                        .update_session(&session, &first, &TokenHash([n; 32]))
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
        let (stored, token) = store.session("s1").await.unwrap().unwrap();
        assert_ne!(token, first);
        assert_eq!(
            stored.checks,
            BTreeMap::from([(Factor::Password, UnixTime(11))])
        );
        assert_eq!(stored.user_id.as_deref(), Some("u1"));
        assert!(
            !store
                .update_session(&stored, &first, &TokenHash([9; 32]))
                .await
                .unwrap()
        );
        assert_eq!(
            store.session_by_token(&token).await.unwrap().unwrap().id,
            "s1"
        );
        assert!(store.session_by_token(&first).await.unwrap().is_none());
        assert!(store.delete_session("s1").await.unwrap());
        assert!(store.session("s1").await.unwrap().is_none());
    }
}

#[tokio::test]
async fn events_page_oldest_first_with_filters() {
    for store in stores().await {
        for i in 0..7 {
            let event = NewEvent {
                tenant_id: TENANT.to_owned(),
                kind: if i % 2 == 0 {
                    EventType::SessionCheckFailed
                } else {
                    EventType::UserCreated
                },
                at: UnixTime(i),
                user_id: Some(if i < 4 { "u1" } else { "u2" }.to_owned()),
                session_id: None,
                ip: Some("127.0.0.1".to_owned()),
                detail: json!({"n": i}),
            };
            store.append_event(&event).await.unwrap();
        }
        let query =
            |user: Option<&str>, kind: Option<&str>, after: Option<i64>, limit: u32| EventQuery {
                tenant_id: TENANT.to_owned(),
                user_id: user.map(str::to_owned),
                kind: kind.map(str::to_owned),
                after,
                limit,
            };
        let page = store.events(&query(None, None, None, 3)).await.unwrap();
        assert_eq!(
            page.iter()
                .map(|e| e.detail["n"].as_i64().unwrap())
                .collect::<Vec<_>>(),
            vec![0, 1, 2]
        );
        let rest = store
            .events(&query(None, None, Some(page[2].id), 10))
            .await
            .unwrap();
        assert_eq!(rest.len(), 4);
        let u1_failures = store
            .events(&query(Some("u1"), Some("session.check_failed"), None, 10))
            .await
            .unwrap();
        assert_eq!(
            u1_failures.iter().map(|e| e.at).collect::<Vec<_>>(),
            vec![UnixTime(0), UnixTime(2)]
        );
        assert!(
            store
                .events(&EventQuery {
                    tenant_id: "other".into(),
                    ..query(None, None, None, 10)
                })
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn settings_and_admin_tokens_round_trip() {
    for store in stores().await {
        assert!(
            !store
                .ensure_tenant(TENANT, "Again", &LoginSettings::default(), UnixTime(0))
                .await
                .unwrap()
        );
        let mut settings = LoginSettings::default();
        settings.lockout.max_attempts = 3;
        settings.second_factors = vec![Factor::Totp];
        store.save_tenant_settings(TENANT, &settings).await.unwrap();
        assert_eq!(store.tenant_settings(TENANT).await.unwrap(), Some(settings));
        assert_eq!(store.tenant_settings("nope").await.unwrap(), None);

        store
            .insert_admin_token(TENANT, &TokenHash([7; 32]), UnixTime(1))
            .await
            .unwrap();
        assert_eq!(
            store
                .admin_token_tenant(&TokenHash([7; 32]))
                .await
                .unwrap()
                .as_deref(),
            Some(TENANT)
        );
        assert_eq!(
            store.admin_token_tenant(&TokenHash([8; 32])).await.unwrap(),
            None
        );
        store.ping().await.unwrap();
    }
}

#[tokio::test]
async fn apps_round_trip_and_belong_to_their_tenant() {
    use twofold_core::app::{App, AppMfa, AppMfaMode};
    for store in stores().await {
        let app = App {
            client_id: "c1".into(),
            tenant_id: TENANT.into(),
            name: "Portal".into(),
            public: false,
            secret_hash: Some(TokenHash([4; 32])),
            redirect_uris: vec!["https://portal.example.com/cb".into()],
            login_url: Some("https://portal.example.com/login".into()),
            mfa: AppMfa {
                mode: AppMfaMode::TimeBased,
                period_seconds: Some(3600),
                ..AppMfa::default()
            },
            created_at: UnixTime(1),
            updated_at: UnixTime(1),
        };
        store.insert_app(&app).await.unwrap();
        assert_eq!(store.app(TENANT, "c1").await.unwrap(), Some(app.clone()));
        assert_eq!(store.app("other", "c1").await.unwrap(), None);
        let changed = App {
            name: "Portal 2".into(),
            secret_hash: None,
            updated_at: UnixTime(2),
            ..app
        };
        assert!(store.update_app(&changed).await.unwrap());
        assert_eq!(store.apps(TENANT).await.unwrap(), vec![changed]);
        assert!(store.delete_app(TENANT, "c1").await.unwrap());
        assert!(!store.delete_app(TENANT, "c1").await.unwrap());
    }
}
