//! What a tenant configures: login settings, admin tokens, apps.

use twofold_core::admin_token::AdminToken;
use twofold_core::secrets::TokenHash;
use twofold_core::settings::LoginSettings;
use twofold_core::{Factor, UnixTime};

use crate::support::{TENANT, stores};

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

        let token = AdminToken {
            id: "token-1".to_owned(),
            tenant_id: TENANT.to_owned(),
            name: None,
            created_at: UnixTime(1),
            last_used_at: None,
        };
        store
            .insert_admin_token(&token, &TokenHash([7; 32]))
            .await
            .unwrap();
        assert_eq!(
            store
                .admin_token_by_hash(&TokenHash([7; 32]))
                .await
                .unwrap(),
            Some(token)
        );
        assert_eq!(
            store
                .admin_token_by_hash(&TokenHash([8; 32]))
                .await
                .unwrap(),
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

#[tokio::test]
async fn a_settings_change_built_on_stale_settings_is_refused() {
    for store in stores().await {
        let (read, revision) = store
            .tenant_settings_revision(TENANT)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            store.tenant_settings(TENANT).await.unwrap(),
            Some(read.clone())
        );
        // Another administrator changes one field after both read.
        let (_, theirs) = store
            .tenant_settings_revision(TENANT)
            .await
            .unwrap()
            .unwrap();
        let mut first = read.clone();
        first.lockout.max_attempts = 3;
        assert!(
            store
                .replace_tenant_settings(TENANT, &first, &theirs)
                .await
                .unwrap()
        );
        // The change built on the same, now stale, read is refused and saves nothing.
        let mut second = read;
        second.second_factors = vec![Factor::Totp];
        assert!(
            !store
                .replace_tenant_settings(TENANT, &second, &revision)
                .await
                .unwrap()
        );
        assert_eq!(
            store.tenant_settings(TENANT).await.unwrap(),
            Some(first.clone())
        );
        // Built again on what is stored now, it goes through, keeping the first change.
        let (now, fresh) = store
            .tenant_settings_revision(TENANT)
            .await
            .unwrap()
            .unwrap();
        let mut second = now;
        second.second_factors = vec![Factor::Totp];
        assert!(
            store
                .replace_tenant_settings(TENANT, &second, &fresh)
                .await
                .unwrap()
        );
        let stored = store.tenant_settings(TENANT).await.unwrap().unwrap();
        assert_eq!(
            (stored.lockout.max_attempts, stored.second_factors.clone()),
            (3, vec![Factor::Totp])
        );
        assert!(
            !store
                .replace_tenant_settings("nope", &stored, &fresh)
                .await
                .unwrap()
        );
        assert_eq!(store.tenant_settings_revision("nope").await.unwrap(), None);
    }
}
