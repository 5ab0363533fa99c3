//! Groups: a member is held to the strictest of the tenant's, the app's, each group's and their
//! own MFA policy; the routes refuse what they cannot do with clear problems.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use support::oidc::{authorize, metadata, register, sign_in_for};
use support::outbox::Outbox;
use support::{TestApp, app_with_outbox, apps, databases};

async fn group(app: &TestApp, name: &str, mfa: Value) -> String {
    let created = app
        .admin_post("/v1/groups", json!({"name": name, "mfa": mfa}))
        .await
        .created();
    created["id"].as_str().unwrap().to_owned()
}

fn member(group_id: &str, user_id: &str) -> String {
    format!("/v1/groups/{group_id}/members/{user_id}")
}

#[tokio::test]
async fn a_group_that_requires_totp_holds_its_members_to_it_until_they_leave() {
    for app in apps().await {
        // Nobody is asked for a second factor by the tenant, not even one who set TOTP up.
        app.settings(json!({"mfa": {"enrolled_factors_required": false}}))
            .await;
        let mut alice = app.user("alice", json!({})).await;
        app.enrol_totp(&mut alice, None).await;
        let session = app.sign_in_with_password(&alice).await;
        assert_eq!(
            app.get_session(&session).await.ok()["mfa"]["satisfied"],
            true
        );

        let finance = group(&app, "Finance", json!({"require": "totp"})).await;
        app.admin_put(&member(&finance, &alice.id), json!(null))
            .await;
        let listed = app
            .admin_get(&format!("/v1/users/{}/groups", alice.id))
            .await
            .ok();
        assert_eq!(listed["groups"][0]["id"], finance.as_str());
        assert_eq!(
            listed["groups"][0]["mfa"],
            json!({"required": false, "require": "totp"})
        );

        // The same password now needs the group's TOTP, in a new session and an old one alike.
        let mut session = app.sign_in_with_password(&alice).await;
        let mfa = app.get_session(&session).await.ok()["mfa"].clone();
        assert_eq!(mfa["satisfied"], false);
        assert_eq!(mfa["mfa_required"], true);
        assert_eq!(mfa["factors"]["next"], json!(["totp"]));
        let code = alice.totp_now();
        let passed = app.check_totp(&mut session, &code).await.ok();
        assert_eq!(passed["mfa"]["satisfied"], true);

        // The OIDC precheck holds the member to it too.
        let client = register(&app, json!({"mode": "off"})).await;
        let request = authorize(&app, &client, &[]).await;
        let signed_in = sign_in_for(&app, &alice, &request).await;
        assert_eq!(
            metadata(&app, &request, Some(&signed_in)).await["validation_type"],
            "mfa_required"
        );

        // A member cannot drop the factor the group asks for.
        let authenticators = app
            .admin_get(&format!("/v1/users/{}/authenticators", alice.id))
            .await
            .ok();
        let totp_id = authenticators[0]["id"].as_str().unwrap().to_owned();
        app.admin_delete(&format!("/v1/users/{}/authenticators/{totp_id}", alice.id))
            .await
            .problem("conflict");

        let left = app.admin_delete(&member(&finance, &alice.id)).await;
        assert_eq!(left.status, 204, "{left:?}");
        let session = app.sign_in_with_password(&alice).await;
        assert_eq!(
            app.get_session(&session).await.ok()["mfa"]["satisfied"],
            true
        );
        assert_eq!(
            metadata(&app, &request, Some(&signed_in)).await["validation_type"],
            "ready"
        );

        let kinds: Vec<Value> = app
            .events(&format!("user_id={}", alice.id))
            .await
            .iter()
            .map(|e| e["type"].clone())
            .collect();
        assert!(kinds.contains(&json!("group.member_added")), "{kinds:?}");
        assert!(kinds.contains(&json!("group.member_removed")), "{kinds:?}");
        assert_eq!(app.events("type=group.created").await.len(), 1);
    }
}

#[tokio::test]
async fn every_groups_requirement_holds_together() {
    for database in databases() {
        let outbox = Outbox::start().await;
        let app = app_with_outbox(database, &outbox).await;
        app.settings(json!({"second_factors": ["totp", "backup-code", "otp-email"]}))
            .await;
        let mut alice = app
            .user(
                "alice",
                json!({"email": "alice@example.com", "email_verified": true}),
            )
            .await;
        app.enrol_totp(&mut alice, None).await;
        app.admin_post(&format!("/v1/users/{}/otp-email", alice.id), json!({}))
            .await
            .created();
        // Any one of her factors would do for the tenant; her two groups want one each.
        let email = group(&app, "Mail", json!({"require": "otp-email"})).await;
        let totp = group(&app, "Apps", json!({"require": "totp"})).await;
        for joined in [&email, &totp] {
            let added = app.admin_put(&member(joined, &alice.id), json!(null)).await;
            assert_eq!(added.status, 204, "{added:?}");
        }
        let mut session = app.sign_in_with_password(&alice).await;
        let code = alice.totp_now();
        let after_totp = app.check_totp(&mut session, &code).await.ok();
        assert_eq!(after_totp["mfa"]["satisfied"], false);
        assert_eq!(after_totp["mfa"]["factors"]["next"], json!(["otp-email"]));
    }
}

#[tokio::test]
async fn groups_are_listed_paged_changed_and_deleted_with_clear_problems() {
    for app in apps().await {
        let alice = app.user("alice", json!({})).await;
        let admins = group(&app, "Admins", json!({"required": true})).await;
        group(&app, "Finance", json!({})).await;
        group(&app, "Sales", json!({})).await;

        let first = app.admin_get("/v1/groups?limit=2").await.ok();
        let names: Vec<&str> = first["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Admins", "Finance"]);
        let cursor = first["next_cursor"].as_str().unwrap();
        let rest = app
            .admin_get(&format!("/v1/groups?limit=2&after={cursor}"))
            .await
            .ok();
        assert_eq!(rest["groups"][0]["name"], "Sales");
        assert_eq!(rest["next_cursor"], Value::Null);

        // Validation: a name taken, an empty name, a factor the tenant does not offer, a field
        // that does not exist.
        app.admin_post("/v1/groups", json!({"name": "Finance"}))
            .await
            .problem("conflict");
        app.admin_post("/v1/groups", json!({"name": "  "}))
            .await
            .problem("invalid_request");
        app.admin_post(
            "/v1/groups",
            json!({"name": "X", "mfa": {"require": "push"}}),
        )
        .await
        .problem("invalid_request");
        app.admin_post(
            "/v1/groups",
            json!({"name": "X", "mfa": {"mode": "always"}}),
        )
        .await
        .problem("invalid_request");

        let changed = app
            .admin_patch(
                &format!("/v1/groups/{admins}"),
                json!({"name": "Operators", "mfa": {"require": "totp"}}),
            )
            .await
            .ok();
        assert_eq!(changed["name"], "Operators");
        assert_eq!(changed["mfa"]["require"], "totp");
        assert_eq!(
            app.admin_get(&format!("/v1/groups/{admins}")).await.ok()["name"],
            "Operators"
        );

        // Who or what does not exist in this tenant is not found.
        app.admin_get("/v1/groups/nope").await.problem("not_found");
        app.admin_put(&member("nope", &alice.id), json!(null))
            .await
            .problem("not_found");
        app.admin_put(&member(&admins, "someone-elses-user"), json!(null))
            .await
            .problem("not_found");
        app.admin_delete(&member(&admins, &alice.id))
            .await
            .problem("not_found");

        // Joining twice is one membership; deleting the group ends it.
        for _ in 0..2 {
            let joined = app
                .admin_put(&member(&admins, &alice.id), json!(null))
                .await;
            assert_eq!(joined.status, 204, "{joined:?}");
        }
        assert_eq!(app.events("type=group.member_added").await.len(), 1);
        assert_eq!(
            app.admin_delete(&format!("/v1/groups/{admins}"))
                .await
                .status,
            204
        );
        app.admin_delete(&format!("/v1/groups/{admins}"))
            .await
            .problem("not_found");
        let listed = app
            .admin_get(&format!("/v1/users/{}/groups", alice.id))
            .await
            .ok();
        assert_eq!(listed["groups"], json!([]));
        assert_eq!(app.events("type=group.deleted").await.len(), 1);
        assert_eq!(app.events("type=group.updated").await.len(), 1);

        // A session token is not an admin token.
        let session = app.sign_in_with_password(&alice).await;
        let refused = app
            .request(
                reqwest::Method::GET,
                "/v1/groups",
                Some(&session.token),
                None,
            )
            .await;
        assert!(
            refused.status == 401 || refused.status == 403,
            "{refused:?}"
        );
    }
}
