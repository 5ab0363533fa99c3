//! `GET /v1/users`: every user of the tenant, paged by cursor, searchable by login-name prefix.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::json;
use support::apps;

#[tokio::test]
async fn users_are_listed_in_pages_and_found_by_the_start_of_a_login_name() {
    for app in apps().await {
        for (name, email) in [
            ("dora", "d@example.com"),
            ("Alice", "boss@Example.com"),
            ("bob", "b@example.com"),
            ("Ａnna", "a@example.com"),
            ("carl", "c@example.com"),
        ] {
            app.admin_post("/v1/users", json!({"username": name, "email": email}))
                .await
                .created();
        }
        let mut seen = Vec::new();
        let mut path = "/v1/users?limit=2".to_owned();
        loop {
            let page = app.admin_get(&path).await.ok();
            let users = page["users"].as_array().unwrap();
            assert!(users.len() <= 2);
            assert!(users.iter().all(|u| u.get("password_hash").is_none()));
            seen.extend(
                users
                    .iter()
                    .map(|u| u["username"].as_str().unwrap().to_owned()),
            );
            match page["next_cursor"].as_str() {
                Some(cursor) => path = format!("/v1/users?limit=2&after={cursor}"),
                None => break,
            }
        }
        assert_eq!(seen, ["alice", "anna", "bob", "carl", "dora"]);

        let found = |query: &str| {
            let app = &app;
            let query = query.to_owned();
            async move {
                let page = app.admin_get(&format!("/v1/users?{query}")).await.ok();
                page["users"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|u| u["username"].as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
            }
        };
        // Folded like a login name: case and width do not matter; the email counts too.
        assert_eq!(found("search=A").await, ["alice", "anna"]);
        assert_eq!(found("search=%EF%BC%A1N").await, ["anna"]);
        assert_eq!(found("search=BOSS%40").await, ["alice"]);
        assert_eq!(found("search=b").await, ["alice", "bob"]);
        assert_eq!(found("search=zz").await, Vec::<String>::new());
        assert_eq!(found("search=%25").await, Vec::<String>::new());

        app.admin_get("/v1/users?limit=0")
            .await
            .problem("invalid_request");
        app.admin_get("/v1/users?limit=201")
            .await
            .problem("invalid_request");
        app.admin_get("/v1/users?after=%21%21")
            .await
            .problem("invalid_request");
        app.admin_get("/v1/users?colour=red")
            .await
            .problem("invalid_request");
        app.request(reqwest::Method::GET, "/v1/users", None, None)
            .await
            .problem("unauthorized");
    }
}
