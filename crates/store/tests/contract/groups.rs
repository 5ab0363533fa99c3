//! Groups and their members, a user's further contacts, and prompt mode's skip of MFA setup.

use twofold_core::challenge::Channel;
use twofold_core::contacts::Contact;
use twofold_core::groups::{Group, GroupMfa};
use twofold_core::requirement::Requirement;
use twofold_core::settings::LoginSettings;
use twofold_core::{Factor, UnixTime};
use twofold_store::StoreError;

use crate::support::{TENANT, stores, user};

fn group(id: &str, tenant_id: &str, name: &str) -> Group {
    Group {
        id: id.to_owned(),
        tenant_id: tenant_id.to_owned(),
        name: name.to_owned(),
        mfa: GroupMfa {
            required: true,
            require: Some(Requirement::Factor(Factor::Totp)),
        },
        created_at: UnixTime(5),
        updated_at: UnixTime(5),
    }
}

#[tokio::test]
async fn groups_round_trip_page_by_name_and_belong_to_their_tenant() {
    for store in stores().await {
        store
            .ensure_tenant("other", "Other", &LoginSettings::default(), UnixTime(0))
            .await
            .unwrap();
        let finance = group("g1", TENANT, "finance");
        store.insert_group(&finance).await.unwrap();
        store
            .insert_group(&group("g2", TENANT, "admins"))
            .await
            .unwrap();
        store
            .insert_group(&group("g3", TENANT, "sales"))
            .await
            .unwrap();
        store
            .insert_group(&group("g4", "other", "finance"))
            .await
            .unwrap();
        let taken = store.insert_group(&group("g5", TENANT, "finance")).await;
        assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");

        assert_eq!(store.group(TENANT, "g1").await.unwrap(), Some(finance));
        assert_eq!(store.group("other", "g1").await.unwrap(), None);
        let names = |groups: Vec<Group>| groups.into_iter().map(|g| g.name).collect::<Vec<_>>();
        assert_eq!(
            names(store.groups(TENANT, None, 2).await.unwrap()),
            ["admins", "finance"]
        );
        assert_eq!(
            names(store.groups(TENANT, Some("finance"), 2).await.unwrap()),
            ["sales"]
        );

        let mut renamed = group("g3", TENANT, "admins");
        let clash = store.update_group(&renamed).await;
        assert!(matches!(clash, Err(StoreError::Conflict(_))), "{clash:?}");
        renamed.name = "field sales".to_owned();
        renamed.mfa = GroupMfa::default();
        renamed.updated_at = UnixTime(9);
        assert!(store.update_group(&renamed).await.unwrap());
        assert_eq!(store.group(TENANT, "g3").await.unwrap(), Some(renamed));
        assert!(
            !store
                .update_group(&group("g3", "other", "x"))
                .await
                .unwrap()
        );
        assert!(!store.delete_group("other", "g3").await.unwrap());
        assert!(store.delete_group(TENANT, "g3").await.unwrap());
        assert!(!store.delete_group(TENANT, "g3").await.unwrap());
    }
}

#[tokio::test]
async fn members_join_only_groups_of_their_tenant_and_leave_with_either_side() {
    for store in stores().await {
        store
            .ensure_tenant("other", "Other", &LoginSettings::default(), UnixTime(0))
            .await
            .unwrap();
        store.insert_user(&user("u1", "alice")).await.unwrap();
        let mut stranger = user("u2", "mallory");
        stranger.tenant_id = "other".to_owned();
        store.insert_user(&stranger).await.unwrap();
        store
            .insert_group(&group("g1", TENANT, "finance"))
            .await
            .unwrap();
        store
            .insert_group(&group("g2", TENANT, "admins"))
            .await
            .unwrap();

        assert!(
            store
                .add_group_member("g1", "u1", UnixTime(6))
                .await
                .unwrap()
        );
        assert!(
            !store
                .add_group_member("g1", "u1", UnixTime(7))
                .await
                .unwrap()
        );
        assert!(
            store
                .add_group_member("g2", "u1", UnixTime(7))
                .await
                .unwrap()
        );
        assert!(
            !store
                .add_group_member("g1", "u2", UnixTime(7))
                .await
                .unwrap()
        );
        assert!(
            !store
                .add_group_member("g1", "nobody", UnixTime(7))
                .await
                .unwrap()
        );
        assert!(store.groups_of("u2").await.unwrap().is_empty());
        let of_alice = store.groups_of("u1").await.unwrap();
        assert_eq!(
            of_alice.iter().map(|g| g.id.as_str()).collect::<Vec<_>>(),
            ["g2", "g1"]
        );

        assert!(store.remove_group_member("g2", "u1").await.unwrap());
        assert!(!store.remove_group_member("g2", "u1").await.unwrap());
        assert!(store.delete_group(TENANT, "g1").await.unwrap());
        assert!(store.groups_of("u1").await.unwrap().is_empty());

        store
            .insert_group(&group("g3", TENANT, "sales"))
            .await
            .unwrap();
        assert!(
            store
                .add_group_member("g3", "u1", UnixTime(8))
                .await
                .unwrap()
        );
        assert!(store.delete_user(TENANT, "u1").await.unwrap());
        store.insert_user(&user("u1", "alice")).await.unwrap();
        assert!(store.groups_of("u1").await.unwrap().is_empty());
    }
}

fn phone(id: &str, value: &str, at: i64) -> Contact {
    Contact {
        id: id.to_owned(),
        channel: Channel::Sms,
        value: value.to_owned(),
        verified: false,
        created_at: UnixTime(at),
    }
}

#[tokio::test]
async fn further_contacts_are_kept_oldest_first_verified_once_proven_and_unique_per_user() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        store.insert_user(&user("u2", "bob")).await.unwrap();
        store
            .insert_contact("u1", &phone("c2", "+41791234568", 3))
            .await
            .unwrap();
        store
            .insert_contact("u1", &phone("c1", "+41791234567", 2))
            .await
            .unwrap();
        let twice = store
            .insert_contact("u1", &phone("c3", "+41791234567", 4))
            .await;
        assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
        store
            .insert_contact("u2", &phone("c4", "+41791234567", 4))
            .await
            .unwrap();

        let listed = store.contacts_of("u1").await.unwrap();
        assert_eq!(
            listed,
            [
                phone("c1", "+41791234567", 2),
                phone("c2", "+41791234568", 3)
            ]
        );
        assert!(store.mark_contact_verified("u1", "c2").await.unwrap());
        assert!(!store.mark_contact_verified("u1", "c4").await.unwrap());
        let verified: Vec<bool> = store
            .contacts_of("u1")
            .await
            .unwrap()
            .iter()
            .map(|c| c.verified)
            .collect();
        assert_eq!(verified, [false, true]);
        assert!(!store.delete_contact("u1", "c4").await.unwrap());
        assert!(store.delete_contact("u1", "c1").await.unwrap());
        // A removal is done once: the second of two racing ones finds nothing.
        assert!(!store.delete_contact("u1", "c1").await.unwrap());
        assert_eq!(store.contacts_of("u1").await.unwrap().len(), 1);
        // A removed value may be added again, under a new id.
        store
            .insert_contact("u1", &phone("c5", "+41791234567", 5))
            .await
            .unwrap();
        assert!(store.delete_contact("u1", "c5").await.unwrap());
        assert!(store.delete_user(TENANT, "u1").await.unwrap());
        assert!(store.contacts_of("u1").await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_skip_of_mfa_setup_is_remembered_and_replaced() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        assert_eq!(store.mfa_setup_skipped_until("u1").await.unwrap(), None);
        store.skip_mfa_setup("u1", UnixTime(100)).await.unwrap();
        store.skip_mfa_setup("u1", UnixTime(200)).await.unwrap();
        assert_eq!(
            store.mfa_setup_skipped_until("u1").await.unwrap(),
            Some(UnixTime(200))
        );
        assert!(store.delete_user(TENANT, "u1").await.unwrap());
        assert_eq!(store.mfa_setup_skipped_until("u1").await.unwrap(), None);
    }
}

#[tokio::test]
async fn a_users_view_reads_their_groups_skip_and_contacts_as_the_single_reads_do() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        store.insert_user(&user("u2", "bob")).await.unwrap();
        let empty = store.user_view("u1").await.unwrap();
        assert_eq!(empty, twofold_store::UserView::default());

        for (id, name) in [("g1", "sales"), ("g2", "admins"), ("g3", "finance")] {
            store.insert_group(&group(id, TENANT, name)).await.unwrap();
        }
        for id in ["g1", "g2"] {
            assert!(store.add_group_member(id, "u1", UnixTime(8)).await.unwrap());
        }
        assert!(
            store
                .add_group_member("g3", "u2", UnixTime(8))
                .await
                .unwrap()
        );
        for (id, value, at) in [("c2", "+41791234568", 3), ("c1", "+41791234567", 2)] {
            store
                .insert_contact("u1", &phone(id, value, at))
                .await
                .unwrap();
        }
        store
            .insert_contact("u2", &phone("c4", "+41791234567", 4))
            .await
            .unwrap();
        store.skip_mfa_setup("u1", UnixTime(300)).await.unwrap();

        let view = store.user_view("u1").await.unwrap();
        assert_eq!(view.groups, store.groups_of("u1").await.unwrap());
        let names: Vec<_> = view.groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["admins", "sales"]);
        assert_eq!(view.setup_skipped_until, Some(UnixTime(300)));
        assert_eq!(view.contacts, store.contacts_of("u1").await.unwrap());
        let ids: Vec<_> = view.contacts.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["c1", "c2"]);
        assert_eq!(store.user_view("u2").await.unwrap().contacts.len(), 1);
    }
}
