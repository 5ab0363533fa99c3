//! Push approval with number matching, end to end: a real server, `twofold push-device` as the
//! device, and a small listener as the push gateway, on SQLite and (when
//! TWOFOLD_TEST_DATABASE_URL is set) PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(
    clippy::disallowed_methods,
    reason = "the test waits for the binary and for a push to expire on the wall clock"
)]

mod common;
mod push_env;

use std::time::Duration;

use common::STARTUP;
use push_env::{Env, backends, device, wrong};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn an_approval_with_the_number_shown_passes_and_the_gateway_sees_only_token_and_id() {
    for backend in backends() {
        let env = Env::start(&backend).await;
        let (_, keys) = env.user_with_device("alice").await;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&keys).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "key file mode {mode:o}");
        }
        let mut session = env.signed_in("alice").await;
        let (exchange, number) = env.push(&mut session).await;

        // Asking again in the same session gives the same exchange and number back.
        assert_eq!(env.push(&mut session).await, (exchange.clone(), number));
        let (status, body) = env.check(&mut session, &exchange).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("pending")),
            "{body}"
        );

        let pending = device(&["pending"], &keys).unwrap();
        let listed = pending["pending"].as_array().unwrap();
        assert_eq!(listed.len(), 1, "{pending}");
        assert_eq!(listed[0]["exchange_id"], exchange.as_str());
        assert_eq!(listed[0]["client_ip"], "127.0.0.1");
        assert!(
            listed[0].get("number").is_none(),
            "the device must not see the number"
        );

        let approved = device(
            &["approve", &exchange, "--number", &number.to_string()],
            &keys,
        );
        assert_eq!(approved.unwrap()["state"], "approved");
        let (status, body) = env.check(&mut session, &exchange).await;
        assert_eq!(status, 200, "{body}");
        assert!(body["checks"]["push"].is_object(), "{body}");
        assert_eq!(body["mfa"]["satisfied"], true, "{body}");
        // A second answer to an answered push changes nothing.
        assert!(
            device(&["deny", &exchange], &keys)
                .unwrap_err()
                .contains("409")
        );

        let seen = common::poll("the gateway call", STARTUP, || {
            let seen = env.gateway.lock().unwrap().clone();
            (!seen.is_empty()).then_some(seen)
        });
        assert_eq!(
            seen,
            vec![json!({"push_token": "token-of-alice", "exchange_id": exchange})]
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_push_the_device_verified_the_person_for_says_user_in_amr_and_one_it_did_not_only_swk() {
    for backend in backends() {
        let env = Env::start(&backend).await;
        let (_, keys) = env.user_with_device("alice").await;
        for verified in [true, false] {
            let (client, request) = env.auth_request(json!({"mode": "always"})).await;
            let mut session = env.signed_in_for("alice", &request).await;
            let (exchange, number) = env.push(&mut session).await;
            let number = number.to_string();
            let mut args = vec!["approve", &exchange, "--number", &number];
            if verified {
                args.push("--user-verified");
            }
            device(&args, &keys).unwrap();
            let (status, body) = env.check(&mut session, &exchange).await;
            assert_eq!(status, 200, "{body}");
            let told = body["checks"]["push"].get("user_verified").cloned();
            assert_eq!(told, verified.then_some(json!(true)), "{body}");

            let claims = env.id_claims(&client, &request, &session).await;
            let expected = if verified {
                json!(["pwd", "swk", "user", "mfa"])
            } else {
                json!(["pwd", "swk", "mfa"])
            };
            assert_eq!(claims["amr"], expected, "{claims}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_number_ends_the_push_and_spends_the_second_factor_budget() {
    for backend in backends() {
        let env = Env::start(&backend).await;
        let (user_id, keys) = env.user_with_device("bob").await;
        let mut session = env.signed_in("bob").await;
        let (exchange, number) = env.push(&mut session).await;
        let answered = device(&["approve", &exchange, "--number", &wrong(number)], &keys);
        assert_eq!(answered.unwrap()["state"], "wrong_number");
        let (status, body) = env.check(&mut session, &exchange).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("push_wrong_number"))
        );
        // The right number comes too late: the push is over.
        let late = device(
            &["approve", &exchange, "--number", &number.to_string()],
            &keys,
        );
        assert!(late.unwrap_err().contains("409"));
        let failed = env.events("session.check_failed").await;
        assert!(
            failed.iter().any(|e| e["user_id"] == user_id.as_str()
                && e["detail"]["factor"] == "push"
                && e["detail"]["reason"] == "wrong_number"),
            "{failed:?}"
        );
        let (_, user) = env
            .call("GET", &format!("/v1/users/{user_id}"), None, true)
            .await;
        assert_eq!(user["lockout"]["second_factor"]["failures"], 1, "{user}");
        // A new push is a new exchange with its own number.
        let (next, _) = env.push(&mut session).await;
        assert_ne!(next, exchange);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn denials_end_pushes_and_three_pause_push_while_other_factors_still_work() {
    for backend in backends() {
        let env = Env::start(&backend).await;
        let (user_id, keys) = env.user_with_device("carol").await;
        let (status, codes) = env
            .call(
                "POST",
                &format!("/v1/users/{user_id}/backup-codes"),
                Some(json!({})),
                true,
            )
            .await;
        assert_eq!(status, 201, "{codes}");
        let mut session = env.signed_in("carol").await;
        for _ in 0..3 {
            let (exchange, _) = env.push(&mut session).await;
            assert_eq!(
                device(&["deny", &exchange], &keys).unwrap()["state"],
                "denied"
            );
            let (status, body) = env.check(&mut session, &exchange).await;
            assert_eq!((status, body["code"].as_str()), (401, Some("push_denied")));
        }
        let (status, body) = env
            .patch(&mut session, json!({"challenges": {"push": {}}}))
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (403, Some("push_paused")),
            "{body}"
        );
        assert!(body["paused_until"].is_string(), "{body}");
        let fatigue = env.events("push.fatigue").await;
        assert_eq!(fatigue.len(), 1, "{fatigue:?}");
        assert_eq!(fatigue[0]["user_id"], user_id.as_str());
        let code = codes["codes"][0].as_str().unwrap();
        let (status, body) = env
            .patch(
                &mut session,
                json!({"checks": {"backup_code": {"code": code}}}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["mfa"]["satisfied"], true, "{body}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_signed_by_another_key_is_refused_and_the_push_still_waits() {
    for backend in backends() {
        let env = Env::start(&backend).await;
        let (_, keys) = env.user_with_device("dave").await;
        let (_, other) = env.user_with_key("erin", "p256").await;
        // Dave's device id with Erin's private key.
        let mut forged: Value =
            serde_json::from_str(&std::fs::read_to_string(&keys).unwrap()).unwrap();
        let erin: Value = serde_json::from_str(&std::fs::read_to_string(&other).unwrap()).unwrap();
        forged["private_key"] = erin["private_key"].clone();
        let forged_keys = env.dir.0.join("forged.keys");
        std::fs::write(&forged_keys, forged.to_string()).unwrap();

        let mut session = env.signed_in("dave").await;
        let (exchange, number) = env.push(&mut session).await;
        let refused = device(
            &["approve", &exchange, "--number", &number.to_string()],
            &forged_keys,
        );
        assert!(refused.unwrap_err().contains("401"));
        assert!(
            device(&["pending"], &forged_keys)
                .unwrap_err()
                .contains("401")
        );
        // Erin's own device cannot answer Dave's push either.
        let theirs = device(
            &["approve", &exchange, "--number", &number.to_string()],
            &other,
        );
        assert!(theirs.unwrap_err().contains("401"));
        let (status, body) = env.check(&mut session, &exchange).await;
        assert_eq!((status, body["code"].as_str()), (409, Some("pending")));
        let approved = device(
            &["approve", &exchange, "--number", &number.to_string()],
            &keys,
        );
        assert_eq!(approved.unwrap()["state"], "approved");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unanswered_push_expires_and_cannot_be_approved_after() {
    for backend in backends() {
        let env = Env::start(&backend).await;
        let (_, keys) = env.user_with_device("frank").await;
        let mut session = env.signed_in("frank").await;
        let (exchange, number) = env.push(&mut session).await;
        // ttl_seconds is 10 in these tests.
        tokio::time::sleep(Duration::from_secs(11)).await;
        assert_eq!(device(&["pending"], &keys).unwrap()["pending"], json!([]));
        let late = device(
            &["approve", &exchange, "--number", &number.to_string()],
            &keys,
        );
        assert!(late.unwrap_err().contains("code_expired"));
        let (status, body) = env.check(&mut session, &exchange).await;
        assert_eq!((status, body["code"].as_str()), (401, Some("code_expired")));
        let (next, _) = env.push(&mut session).await;
        assert_ne!(next, exchange);
    }
}
