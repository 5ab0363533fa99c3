//! The published signing keys.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::apps;

#[tokio::test]
async fn the_jwks_publishes_one_es256_key_without_its_private_part() {
    for app in apps().await {
        let jwks = app
            .request(reqwest::Method::GET, "/oauth/jwks", None, None)
            .await;
        assert_eq!(jwks.headers["cache-control"], "public, max-age=300");
        let keys = jwks.body["keys"].as_array().unwrap().clone();
        assert_eq!(keys.len(), 1, "{:?}", jwks.body);
        let key = &keys[0];
        assert_eq!(
            (
                key["kty"].as_str(),
                key["crv"].as_str(),
                key["alg"].as_str()
            ),
            (Some("EC"), Some("P-256"), Some("ES256"))
        );
        assert_eq!(key["use"], "sig");
        assert!(
            key["kid"].as_str().unwrap().len() >= 43,
            "an RFC 7638 thumbprint"
        );
        assert!(key.get("d").is_none());
    }
}

#[tokio::test]
async fn a_rotation_keeps_the_old_key_published() {
    for app in apps().await {
        let before = app
            .request(reqwest::Method::GET, "/oauth/jwks", None, None)
            .await
            .ok();
        let old_kid = before["keys"][0]["kid"].clone();
        let rotated = app
            .admin_post("/v1/signing-keys/rotate", serde_json::json!({}))
            .await
            .created();
        let after = app
            .request(reqwest::Method::GET, "/oauth/jwks", None, None)
            .await
            .ok();
        let kids: Vec<_> = after["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].clone())
            .collect();
        assert_eq!(
            kids,
            vec![rotated["kid"].clone(), old_kid],
            "newest first, old still there"
        );
        app.advance(86_401);
        let later = app
            .request(reqwest::Method::GET, "/oauth/jwks", None, None)
            .await
            .ok();
        assert_eq!(
            later["keys"].as_array().unwrap().len(),
            1,
            "retired keys leave after a day"
        );
        assert_eq!(app.events("type=signing_key.rotated").await.len(), 1);
        app.request(reqwest::Method::POST, "/v1/signing-keys/rotate", None, None)
            .await
            .problem("unauthorized");
    }
}
