//! Enrolment: pending until proven, who may set up what and when, the last-factor rule.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::json;
use support::{Generator, Session, apps, now};

#[tokio::test]
async fn a_pending_totp_authenticator_is_never_usable() {
    for app in apps().await {
        let alice = app.user("alice", json!({"mfa_enabled": true})).await;
        let started = app
            .admin_post(
                &format!("/v1/users/{}/totp", alice.id),
                json!({"name": "phone"}),
            )
            .await
            .created();
        assert_eq!(started["state"], "pending");
        assert!(started["qr_svg"].as_str().unwrap().contains("<svg"));
        let uri = started["uri"].as_str().unwrap();
        assert!(
            uri.starts_with("otpauth://totp/Twofold:alice?secret="),
            "{uri}"
        );
        assert!(
            uri.contains("&issuer=Twofold&algorithm=SHA1&digits=6&period=30"),
            "{uri}"
        );
        let generator = Generator::from_uri(uri);

        let mut session = app.sign_in_with_password(&alice).await;
        let refused = app
            .check_totp(&mut session, &generator.now())
            .await
            .problem("invalid_code");
        assert_eq!(refused["attempts_left"], 4);
        let listed = app
            .admin_get(&format!("/v1/users/{}/authenticators", alice.id))
            .await
            .ok();
        assert_eq!(listed[0]["state"], "pending");
        assert_eq!(listed[0]["name"], "phone");
    }
}

#[tokio::test]
async fn a_wrong_proof_leaves_the_authenticator_pending_and_counts_as_a_failure() {
    for app in apps().await {
        let alice = app.user("alice", json!({})).await;
        let started = app
            .admin_post(&format!("/v1/users/{}/totp", alice.id), json!({}))
            .await
            .created();
        let path = format!("/v1/users/{}/totp/verify", alice.id);
        let refused = app
            .admin_post(&path, json!({"code": "000000"}))
            .await
            .problem("invalid_code");
        assert_eq!(refused["attempts_left"], 4);
        let generator = Generator::from_uri(started["uri"].as_str().unwrap());
        let active = app
            .admin_post(&path, json!({"code": generator.now()}))
            .await
            .ok();
        assert_eq!(active["state"], "active");
        app.admin_post(
            &path,
            json!({"authenticator_id": started["authenticator_id"], "code": generator.now()}),
        )
        .await
        .problem("conflict");
    }
}

#[tokio::test]
async fn several_named_totp_authenticators_each_sign_in() {
    for app in apps().await {
        let mut alice = app.user("alice", json!({"mfa_enabled": true})).await;
        app.enrol_totp(&mut alice, Some("phone")).await;
        app.enrol_totp(&mut alice, Some("tablet")).await;
        let duplicate = app
            .admin_post(
                &format!("/v1/users/{}/totp", alice.id),
                json!({"name": "phone"}),
            )
            .await;
        duplicate.problem("invalid_request");
        let mut session = app.sign_in_with_password(&alice).await;
        app.check_totp(&mut session, &alice.totp[1].now())
            .await
            .ok();
        let mut other = app.sign_in_with_password(&alice).await;
        app.check_totp(&mut other, &alice.totp[0].now()).await.ok();
    }
}

#[tokio::test]
async fn a_user_who_must_set_up_mfa_may_enrol_only_what_is_next_from_the_session() {
    for app in apps().await {
        app.settings(json!({"mfa": {"mode": "always"}})).await;
        let dave = app.user("dave", json!({})).await;
        let started = app
            .start_session(json!({"user": {"login_name": "dave"}, "password": {"password": support::PASSWORD}}))
            .await
            .created();
        assert_eq!(started["mfa"]["setup_required"], true);
        assert_eq!(started["mfa"]["factors"]["next"], json!(["totp"]));
        let session = Session::from(&started);
        let token = Some(session.token.as_str());

        // Backup codes are not what is due; TOTP is.
        app.request(
            reqwest::Method::POST,
            &format!("/v1/users/{}/backup-codes", dave.id),
            token,
            Some(json!({})),
        )
        .await
        .problem("setup_required");
        let totp = app
            .request(
                reqwest::Method::POST,
                &format!("/v1/users/{}/totp", dave.id),
                token,
                Some(json!({})),
            )
            .await
            .created();
        let generator = Generator::from_uri(totp["uri"].as_str().unwrap());
        let verify = json!({"code": generator.now()});
        let verified = app
            .request(
                reqwest::Method::POST,
                &format!("/v1/users/{}/totp/verify", dave.id),
                token,
                Some(verify),
            )
            .await
            .ok();
        // Proving the new authenticator counts as the TOTP check, under a rotated token.
        let token = verified["session_token"].as_str().unwrap().to_owned();
        let mfa = app
            .request(
                reqwest::Method::GET,
                &format!("/v1/sessions/{}/mfa", session.id),
                Some(&token),
                None,
            )
            .await
            .ok();
        assert_eq!(mfa["satisfied"], true);
        app.get_session(&session).await.problem("unauthorized");
        // Satisfied, dave may now add backup codes himself.
        app.request(
            reqwest::Method::POST,
            &format!("/v1/users/{}/backup-codes", dave.id),
            Some(&token),
            Some(json!({})),
        )
        .await
        .created();
    }
}

#[tokio::test]
async fn with_a_factor_set_up_nothing_new_may_be_enrolled_before_passing_it() {
    for app in apps().await {
        let alice = app.user_with_totp("alice").await;
        let bob = app.user("bob", json!({})).await;
        let session = app.sign_in_with_password(&alice).await;
        let refused = app
            .request(
                reqwest::Method::POST,
                &format!("/v1/users/{}/totp", alice.id),
                Some(&session.token),
                Some(json!({})),
            )
            .await
            .problem("mfa_required");
        assert_eq!(refused["next"], json!(["totp"]));
        // A session never reaches another user's factors.
        app.request(
            reqwest::Method::POST,
            &format!("/v1/users/{}/totp", bob.id),
            Some(&session.token),
            Some(json!({})),
        )
        .await
        .problem("forbidden");
        // Before the password, nothing at all.
        let anonymous = Session::from(
            &app.start_session(json!({"user": {"login_name": "alice"}}))
                .await
                .created(),
        );
        app.request(
            reqwest::Method::POST,
            &format!("/v1/users/{}/totp", alice.id),
            Some(&anonymous.token),
            Some(json!({})),
        )
        .await
        .problem("forbidden");
        let listed = app
            .admin_get(&format!("/v1/users/{}/authenticators", alice.id))
            .await
            .ok();
        assert_eq!(
            listed.as_array().unwrap().len(),
            1,
            "no authenticator was added"
        );
    }
}

#[tokio::test]
async fn the_last_second_factor_of_an_mfa_user_cannot_be_removed() {
    for app in apps().await {
        let mut alice = app.user("alice", json!({"mfa_enabled": true})).await;
        let phone = app.enrol_totp(&mut alice, Some("phone")).await;
        let tablet = app.enrol_totp(&mut alice, Some("tablet")).await;
        app.admin_post(&format!("/v1/users/{}/backup-codes", alice.id), json!({}))
            .await
            .created();
        assert_eq!(
            app.admin_delete(&format!("/v1/users/{}/authenticators/{phone}", alice.id))
                .await
                .status,
            204
        );
        // Backup codes alone are recovery, not a second factor.
        app.admin_delete(&format!("/v1/users/{}/authenticators/{tablet}", alice.id))
            .await
            .problem("conflict");
        app.admin_patch(
            &format!("/v1/users/{}", alice.id),
            json!({"mfa_enabled": false}),
        )
        .await
        .ok();
        assert_eq!(
            app.admin_delete(&format!("/v1/users/{}/authenticators/{tablet}", alice.id))
                .await
                .status,
            204
        );
        app.admin_delete(&format!("/v1/users/{}/authenticators/{tablet}", alice.id))
            .await
            .problem("not_found");
        let kinds: Vec<_> = app
            .events(&format!("user_id={}&type=authenticator.removed", alice.id))
            .await;
        assert_eq!(kinds.len(), 2);
    }
}

#[tokio::test]
async fn a_satisfied_session_manages_its_own_authenticators() {
    for app in apps().await {
        let mut alice = app.user("alice", json!({"mfa_enabled": true})).await;
        app.enrol_totp(&mut alice, Some("phone")).await;
        let tablet = app.enrol_totp(&mut alice, Some("tablet")).await;
        let mut session = app.sign_in_with_password(&alice).await;
        let list_path = format!("/v1/users/{}/authenticators", alice.id);
        app.request(reqwest::Method::GET, &list_path, Some(&session.token), None)
            .await
            .problem("mfa_required");
        app.check_totp(&mut session, &alice.totp_now()).await.ok();
        let listed = app
            .request(reqwest::Method::GET, &list_path, Some(&session.token), None)
            .await
            .ok();
        assert_eq!(listed.as_array().unwrap().len(), 2);
        assert!(listed[0]["last_used_at"].is_string());
        let path = format!("{list_path}/{tablet}");
        assert_eq!(
            app.request(reqwest::Method::DELETE, &path, Some(&session.token), None)
                .await
                .status,
            204
        );
    }
}

#[tokio::test]
async fn codes_outside_the_skew_window_do_not_prove_an_enrolment() {
    for app in apps().await {
        let alice = app.user("alice", json!({})).await;
        let started = app
            .admin_post(&format!("/v1/users/{}/totp", alice.id), json!({}))
            .await
            .created();
        let generator = Generator::from_uri(started["uri"].as_str().unwrap());
        let path = format!("/v1/users/{}/totp/verify", alice.id);
        app.admin_post(&path, json!({"code": generator.code_at(now() - 90)}))
            .await
            .problem("invalid_code");
        app.admin_post(&path, json!({"code": generator.code_at(now() + 90)}))
            .await
            .problem("invalid_code");
    }
}

#[tokio::test]
async fn a_pending_enrolment_must_be_proven_within_ten_minutes() {
    for app in apps().await {
        let alice = app.user("alice", json!({})).await;
        let started = app
            .admin_post(&format!("/v1/users/{}/totp", alice.id), json!({}))
            .await
            .created();
        let generator = Generator::from_uri(started["uri"].as_str().unwrap());
        app.advance(601);
        let path = format!("/v1/users/{}/totp/verify", alice.id);
        app.admin_post(&path, json!({"code": generator.code_at(app.server_now())}))
            .await
            .problem("code_expired");
    }
}

/// Wrong proofs of a pending authenticator sent at once take the second-factor budget before
/// they are evaluated, as sign-in checks do: exactly the budget's five are evaluated and
/// counted, the rest answer `locked` unevaluated, and then even the right code is refused.
#[tokio::test]
async fn racing_wrong_enrolment_proofs_evaluate_exactly_the_budget() {
    for app in apps().await {
        let alice = app.user("alice", json!({})).await;
        let started = app
            .admin_post(&format!("/v1/users/{}/totp", alice.id), json!({}))
            .await
            .created();
        let url = format!("{}/v1/users/{}/totp/verify", app.base, alice.id);
        let racers: Vec<_> = (0..12)
            .map(|n| {
                let (http, url, admin) = (app.http.clone(), url.clone(), app.admin.clone());
                tokio::spawn(async move {
                    let resp = http
                        .post(url)
                        .bearer_auth(admin)
                        .json(&json!({"code": format!("{:06}", 100 + n)}))
                        .send()
                        .await
                        .unwrap();
                    let body: serde_json::Value = resp.json().await.unwrap();
                    body["code"].as_str().unwrap_or_default().to_owned()
                })
            })
            .collect();
        let mut answers = Vec::new();
        for racer in racers {
            answers.push(racer.await.unwrap());
        }
        let count = |code: &str| answers.iter().filter(|a| *a == code).count();
        // Four wrong, the fifth locks; seven never evaluated.
        assert_eq!(
            (count("invalid_code"), count("locked")),
            (4, 8),
            "on {}: {answers:?}",
            app.backend
        );
        let failed = app
            .events(&format!("user_id={}&type=session.check_failed", alice.id))
            .await;
        assert_eq!(failed.len(), 5, "on {}", app.backend);
        let generator = Generator::from_uri(started["uri"].as_str().unwrap());
        app.admin_post(
            &format!("/v1/users/{}/totp/verify", alice.id),
            json!({"code": generator.now()}),
        )
        .await
        .problem("locked");
    }
}
