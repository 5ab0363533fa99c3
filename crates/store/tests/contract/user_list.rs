//! Listing users: username order, cursor paging, prefix search on username or email.

use twofold_store::UserQuery;

use crate::support::{TENANT, stores, user};

fn query(search: Option<&str>, after: Option<&str>, limit: u32) -> UserQuery {
    UserQuery {
        tenant_id: TENANT.to_owned(),
        search: search.map(str::to_owned),
        after: after.map(str::to_owned),
        limit,
    }
}

#[tokio::test]
async fn users_are_paged_in_username_order_and_found_by_prefix() {
    for store in stores().await {
        for (id, name, email) in [
            ("u3", "carol", Some("c@example.com")),
            ("u1", "alice", Some("boss@example.com")),
            ("u2", "bob", None),
            ("u4", "al_x", Some("x%y@example.com")),
            ("u5", "élodie", None),
        ] {
            let mut u = user(id, name);
            u.email = email.map(str::to_owned);
            store.insert_user(&u).await.unwrap();
        }
        let names = |found: Vec<twofold_core::user::User>| -> Vec<String> {
            found.into_iter().map(|u| u.username).collect()
        };
        let first = names(store.users(&query(None, None, 2)).await.unwrap());
        assert_eq!(first, ["al_x", "alice"]);
        let second = names(store.users(&query(None, Some("alice"), 2)).await.unwrap());
        assert_eq!(second, ["bob", "carol"]);
        let last = names(store.users(&query(None, Some("carol"), 2)).await.unwrap());
        assert_eq!(last, ["élodie"]);

        // Prefixes of the username or the email; wildcards are plain characters.
        assert_eq!(
            names(store.users(&query(Some("al"), None, 10)).await.unwrap()),
            ["al_x", "alice"]
        );
        assert_eq!(
            names(store.users(&query(Some("bo"), None, 10)).await.unwrap()),
            ["alice", "bob"]
        );
        assert_eq!(
            names(store.users(&query(Some("a_"), None, 10)).await.unwrap()),
            Vec::<String>::new()
        );
        assert_eq!(
            names(store.users(&query(Some("x%"), None, 10)).await.unwrap()),
            ["al_x"]
        );
        assert_eq!(
            names(store.users(&query(Some("él"), None, 10)).await.unwrap()),
            ["élodie"]
        );
        assert!(
            store
                .users(&UserQuery {
                    tenant_id: "elsewhere".to_owned(),
                    ..query(None, None, 10)
                })
                .await
                .unwrap()
                .is_empty()
        );
    }
}
