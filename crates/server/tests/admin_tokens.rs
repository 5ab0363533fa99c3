//! Admin tokens over the API: listed without their secret, created once-shown, revoked at once,
//! and never the last one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use reqwest::Method;
use serde_json::json;
use support::apps;

#[tokio::test]
async fn admin_tokens_are_listed_created_and_revoked_but_never_the_last() {
    for app in apps().await {
        let listed = app.admin_get("/v1/admin-tokens").await.ok();
        let tokens = listed["tokens"].as_array().unwrap();
        assert_eq!(tokens.len(), 1);
        let first_id = tokens[0]["id"].as_str().unwrap().to_owned();
        assert_eq!(tokens[0]["name"], "first start");
        assert_eq!(tokens[0]["current"], true);
        assert!(tokens[0]["created_at"].is_string());
        assert!(tokens[0]["last_used_at"].is_string());
        assert!(!listed.to_string().contains("tfa_"));

        let created = app.admin_post("/v1/admin-tokens", json!({"name": "ci"}));
        let created = created.await;
        assert_eq!(created.headers["cache-control"], "no-store");
        let created = created.created();
        let second = created["token"].as_str().unwrap().to_owned();
        let second_id = created["id"].as_str().unwrap().to_owned();
        assert!(second.starts_with("tfa_"));
        assert_eq!(created["name"], "ci");
        app.admin_post("/v1/admin-tokens", json!({"name": "ci\u{202E}"}))
            .await
            .problem("invalid_request");

        // The new token works, and is not shown again.
        let listed = app
            .request(Method::GET, "/v1/admin-tokens", Some(&second), None)
            .await
            .ok();
        assert_eq!(listed["tokens"].as_array().unwrap().len(), 2);
        assert!(!listed.to_string().contains(&second));
        let own = listed["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["current"] == true)
            .unwrap()
            .clone();
        assert_eq!(own["id"], second_id.as_str());

        // Revoking the first token (with the second) ends it at once.
        let revoked = app
            .request(
                Method::DELETE,
                &format!("/v1/admin-tokens/{first_id}"),
                Some(&second),
                None,
            )
            .await;
        assert_eq!(revoked.status, 204, "{:?}", revoked.body);
        app.admin_get("/v1/admin-tokens")
            .await
            .problem("unauthorized");
        app.request(
            Method::DELETE,
            &format!("/v1/admin-tokens/{first_id}"),
            Some(&second),
            None,
        )
        .await
        .problem("not_found");
        // The last token stays.
        app.request(
            Method::DELETE,
            &format!("/v1/admin-tokens/{second_id}"),
            Some(&second),
            None,
        )
        .await
        .problem("conflict");
        let events = app
            .request(
                Method::GET,
                "/v1/events?type=admin_token.revoked",
                Some(&second),
                None,
            )
            .await
            .ok();
        assert_eq!(events["events"][0]["detail"]["token_id"], first_id.as_str());
    }
}
