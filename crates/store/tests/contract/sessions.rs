//! Sessions: the token rotates once per update.

use std::collections::BTreeMap;

use twofold_core::secrets::TokenHash;
use twofold_core::session::{Check, Session};
use twofold_core::settings::LoginSettings;
use twofold_core::{Factor, UnixTime};

use crate::support::{TENANT, stores, user};

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
        let verified = Check {
            at: UnixTime(11),
            user_verified: true,
        };
        session.record_check(Factor::Push, verified);

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
            BTreeMap::from([
                (Factor::Password, Check::at(UnixTime(11))),
                (Factor::Push, verified)
            ])
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
