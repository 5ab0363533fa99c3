//! Names that deceive: login names are one form (NFKC, lower case), and names people read refuse
//! control, bidirectional and invisible characters.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::json;
use support::{PASSWORD, apps};

#[tokio::test]
async fn a_login_name_is_one_login_whatever_its_case_or_width() {
    for app in apps().await {
        let created = app
            .admin_post("/v1/users", json!({"username": "Ａｌｉｃｅ", "email": "Ａlice@Ｅxample.com", "email_verified": true, "password": PASSWORD}))
            .await
            .created();
        assert_eq!(created["username"], "alice");
        assert_eq!(created["email"], "alice@example.com");
        for taken in ["alice", "ALICE", " Alice ", "ａｌｉｃｅ"] {
            app.admin_post("/v1/users", json!({"username": taken}))
                .await
                .problem("conflict");
        }
        for login_name in [
            "ALICE",
            "Ａｌｉｃｅ",
            "alice",
            "ALICE@EXAMPLE.COM",
            "ａlice@example.com",
        ] {
            let session = app
                .start_session(
                    json!({"user": {"login_name": login_name}, "password": {"password": PASSWORD}}),
                )
                .await
                .created();
            assert_eq!(session["user_id"], created["id"], "{login_name}");
        }
        // Composed and decomposed accents are one name too.
        let jose = app
            .admin_post("/v1/users", json!({"username": "Jose\u{0301}"}))
            .await
            .created();
        assert_eq!(jose["username"], "jos\u{e9}");
        app.admin_post("/v1/users", json!({"username": "JOS\u{c9}"}))
            .await
            .problem("conflict");
    }
}

#[tokio::test]
async fn usernames_that_display_as_something_else_are_refused() {
    for app in apps().await {
        for bad in [
            "admin\u{202E}nimda",
            "\u{2067}alice\u{2069}",
            "alice\u{200F}",
            "ali\u{200B}ce",
            "ali\u{200D}ce",
            "alice\u{FEFF}",
            "🦊\u{202E}🐺",
            "alice🙂",
        ] {
            app.admin_post("/v1/users", json!({"username": bad}))
                .await
                .problem("invalid_request");
        }
        app.admin_post(
            "/v1/users",
            json!({"username": "bob", "email": "bob\u{202E}@example.com"}),
        )
        .await
        .problem("invalid_request");
        // Letters of any script are fine.
        for good in ["ελένη", "алиса", "李雷"] {
            app.admin_post("/v1/users", json!({"username": good}))
                .await
                .created();
        }
    }
}

#[tokio::test]
async fn app_and_authenticator_names_refuse_bidirectional_and_invisible_characters() {
    for app in apps().await {
        let body =
            |name: &str| json!({"name": name, "redirect_uris": ["https://app.example.com/cb"]});
        app.admin_post("/v1/apps", body("Pay\u{202E}lapyaP"))
            .await
            .problem("invalid_request");
        app.admin_post("/v1/apps", body("Bank\u{2066}"))
            .await
            .problem("invalid_request");
        let created = app.admin_post("/v1/apps", body("🏦 Bank")).await.created();
        let client_id = created["client_id"].as_str().unwrap();
        app.admin_patch(
            &format!("/v1/apps/{client_id}"),
            json!({"name": "Bank\u{200E}"}),
        )
        .await
        .problem("invalid_request");

        let user = app.user("carol", json!({})).await;
        app.admin_post(
            &format!("/v1/users/{}/totp", user.id),
            json!({"name": "phone\u{202E}"}),
        )
        .await
        .problem("invalid_request");
        let started = app
            .admin_post(
                &format!("/v1/users/{}/totp", user.id),
                json!({"name": "📱 phone"}),
            )
            .await
            .created();
        let id = started["authenticator_id"].as_str().unwrap();
        app.admin_patch(
            &format!("/v1/users/{}/authenticators/{id}", user.id),
            json!({"name": "key\u{2069}"}),
        )
        .await
        .problem("invalid_request");
    }
}
