//! `GET /oauth/authorize`: validated in full before any redirect.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::json;
use support::{TestApp, apps};

const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

async fn register(app: &TestApp, login_url: Option<&str>) -> String {
    let created = app
        .admin_post(
            "/v1/apps",
            json!({"name": "SPA", "public": true, "redirect_uris": ["https://rp.example.com/cb"], "login_url": login_url}),
        )
        .await
        .created();
    created["client_id"].as_str().unwrap().to_owned()
}

/// The answer to an authorize request, redirects not followed.
async fn authorize(app: &TestApp, query: &[(&str, &str)]) -> reqwest::Response {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut url = reqwest::Url::parse(&format!("{}/oauth/authorize", app.base)).unwrap();
    url.query_pairs_mut().extend_pairs(query);
    client.get(url).send().await.unwrap()
}

fn location(response: &reqwest::Response) -> reqwest::Url {
    assert_eq!(response.status(), 302);
    reqwest::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap()
}

fn good(client_id: &str) -> Vec<(&str, &str)> {
    vec![
        ("client_id", client_id),
        ("redirect_uri", "https://rp.example.com/cb"),
        ("response_type", "code"),
        ("scope", "openid email"),
        ("state", "xyz"),
        ("nonce", "n-1"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]
}

#[tokio::test]
async fn a_valid_request_goes_to_the_apps_login_ui_with_an_auth_request_id() {
    for app in apps().await {
        let client_id = register(&app, Some("https://rp.example.com/login?lang=de")).await;
        let response = authorize(&app, &good(&client_id)).await;
        let to = location(&response);
        assert_eq!(
            (to.host_str(), to.path()),
            (Some("rp.example.com"), "/login")
        );
        let pairs: Vec<(String, String)> = to
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        assert_eq!(
            pairs[0],
            ("lang".to_owned(), "de".to_owned()),
            "the login URL keeps its own query"
        );
        assert_eq!(pairs[1].0, "auth_request_id");
        assert_eq!(pairs[1].1.len(), 36);
    }
}

#[tokio::test]
async fn unknown_clients_and_foreign_redirect_uris_get_an_error_page_never_a_redirect() {
    for app in apps().await {
        let client_id = register(&app, Some("https://rp.example.com/login")).await;
        let mut unknown = good("no-such-client");
        unknown[0] = ("client_id", "no-such-client");
        let mut foreign = good(&client_id);
        foreign[1] = ("redirect_uri", "https://evil.example.com/cb");
        for query in [unknown, foreign, vec![]] {
            let response = authorize(&app, &query).await;
            assert_eq!(response.status(), 400);
            assert!(response.headers().get("location").is_none());
            assert_eq!(
                response.headers()["content-type"],
                "application/problem+json"
            );
        }
    }
}

#[tokio::test]
async fn other_problems_go_back_to_the_client_with_its_state() {
    for app in apps().await {
        let client_id = register(&app, Some("https://rp.example.com/login")).await;
        let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
            (vec![("scope", "email")], "invalid_scope"),
            (
                vec![("response_type", "token")],
                "unsupported_response_type",
            ),
            (vec![("code_challenge_method", "plain")], "invalid_request"),
            (vec![("prompt", "none")], "login_required"),
        ];
        for (changes, expected) in cases {
            let mut query = good(&client_id);
            for (key, value) in changes {
                query.retain(|(k, _)| *k != key);
                query.push((key, value));
            }
            let to = location(&authorize(&app, &query).await);
            assert_eq!(
                to.as_str().split('?').next(),
                Some("https://rp.example.com/cb")
            );
            let pairs: std::collections::HashMap<_, _> = to.query_pairs().into_owned().collect();
            assert_eq!(pairs["error"], expected);
            assert_eq!(pairs["state"], "xyz");
            assert_eq!(pairs["iss"], app.base, "RFC 9207: errors name the issuer");
        }
    }
}

#[tokio::test]
async fn an_app_without_a_login_ui_cannot_start_a_sign_in_yet() {
    for app in apps().await {
        let client_id = register(&app, None).await;
        let response = authorize(&app, &good(&client_id)).await;
        assert_eq!(response.status(), 400);
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(body["detail"].as_str().unwrap().contains("login_url"));
    }
}
