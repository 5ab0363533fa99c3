//! Admin tokens: listed, used, revoked — never the tenant's last.

use twofold_core::UnixTime;
use twofold_core::admin_token::{AdminToken, Revocation};
use twofold_core::secrets::TokenHash;

use crate::support::{TENANT, stores};

fn token(id: &str, at: i64) -> AdminToken {
    AdminToken {
        id: id.to_owned(),
        tenant_id: TENANT.to_owned(),
        name: Some(format!("token {id}")),
        created_at: UnixTime(at),
        last_used_at: None,
    }
}

#[tokio::test]
async fn admin_tokens_are_listed_used_and_revoked_but_never_the_last() {
    for store in stores().await {
        let (a, b) = (token("a", 10), token("b", 20));
        store
            .insert_admin_token(&b, &TokenHash([2; 32]))
            .await
            .unwrap();
        store
            .insert_admin_token(&a, &TokenHash([1; 32]))
            .await
            .unwrap();
        assert_eq!(
            store.admin_tokens(TENANT).await.unwrap(),
            vec![a.clone(), b.clone()]
        );
        assert!(store.admin_tokens("elsewhere").await.unwrap().is_empty());

        store
            .record_admin_token_use("a", UnixTime(99))
            .await
            .unwrap();
        let used = store
            .admin_token_by_hash(&TokenHash([1; 32]))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(used.last_used_at, Some(UnixTime(99)));

        assert_eq!(
            store.revoke_admin_token(TENANT, "nope").await.unwrap(),
            Revocation::NotFound
        );
        assert_eq!(
            store.revoke_admin_token("elsewhere", "a").await.unwrap(),
            Revocation::NotFound
        );
        assert_eq!(
            store.revoke_admin_token(TENANT, "a").await.unwrap(),
            Revocation::Revoked
        );
        assert_eq!(
            store
                .admin_token_by_hash(&TokenHash([1; 32]))
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            store.revoke_admin_token(TENANT, "b").await.unwrap(),
            Revocation::Last
        );
        assert_eq!(store.admin_tokens(TENANT).await.unwrap(), vec![b]);
    }
}
