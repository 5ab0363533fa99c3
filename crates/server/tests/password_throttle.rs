//! Failed passwords slow down their source (login name and client address) without locking the
//! owner out, an account-wide ceiling marks an attack, and names nobody has are answered exactly
//! as known ones at every stage.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use support::{PASSWORD, Resp, TestApp, config, databases};

const WRONG: &str = "wrong horse battery";

/// Servers that take the client address from `X-Forwarded-For`, as behind a proxy.
async fn apps_behind_a_proxy() -> Vec<TestApp> {
    let mut apps = Vec::new();
    for database in databases() {
        let backend = if database.is_some() {
            "postgres"
        } else {
            "sqlite"
        };
        let mut config = config(database);
        config.trust_forwarded_for = true;
        apps.push(TestApp::spawn_with(backend, config).await);
    }
    apps
}

async fn sign_in_from(app: &TestApp, ip: &str, login_name: &str, password: &str) -> Resp {
    let body =
        json!({"checks": {"user": {"login_name": login_name}, "password": {"password": password}}});
    let request = app
        .http
        .post(format!("{}/v1/sessions", app.base))
        .header("x-forwarded-for", ip)
        .json(&body);
    Resp::from(request.send().await.unwrap()).await
}

fn retry_after(resp: &Resp) -> u64 {
    resp.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_throttled_address_does_not_keep_the_owner_out() {
    for app in apps_behind_a_proxy().await {
        let alice = app.user("alice", json!({})).await;
        let attacker = "203.0.113.7";
        for _ in 0..5 {
            sign_in_from(&app, attacker, "alice", WRONG)
                .await
                .problem("invalid_credentials");
        }
        // The attacker's address waits, even with the right password…
        let waiting = sign_in_from(&app, attacker, "alice", PASSWORD).await;
        assert_eq!(waiting.status, 429, "on {}", app.backend);
        // Counted from the failure, so a second may have passed since.
        assert!((59..=60).contains(&retry_after(&waiting)), "{waiting:?}");
        waiting.problem("rate_limited");
        // …while the owner, elsewhere, signs in.
        sign_in_from(&app, "198.51.100.9", "alice", PASSWORD)
            .await
            .created();

        // Each further failure from the attacker's address doubles its wait.
        app.advance(60);
        sign_in_from(&app, attacker, "alice", WRONG)
            .await
            .problem("invalid_credentials");
        let longer = sign_in_from(&app, attacker, "alice", WRONG).await;
        assert_eq!(longer.status, 429);
        assert!((119..=120).contains(&retry_after(&longer)));
        app.advance(120);
        sign_in_from(&app, attacker, "alice", WRONG)
            .await
            .problem("invalid_credentials");
        // Counted from the failure, so a second may have passed since (as above).
        let longest = sign_in_from(&app, attacker, "alice", WRONG).await;
        assert!((239..=240).contains(&retry_after(&longest)), "{longest:?}");

        let user = app.admin_get(&format!("/v1/users/{}", alice.id)).await.ok();
        assert_eq!(user["lockout"]["password"]["locked"], false);
        let throttled = app.events("type=session.throttled").await;
        assert!(
            throttled
                .iter()
                .any(|e| e["detail"]["reason"] == "source_waits"
                    && e["user_id"] == alice.id.as_str()),
            "{throttled:?}"
        );
        let log = app.admin_get("/v1/events?limit=500").await.ok().to_string();
        assert!(
            !log.contains(WRONG) && !log.contains(PASSWORD),
            "no password in the log"
        );
    }
}

/// An answer as a prober sees it, with the clock-derived values taken out (and returned).
fn seen(resp: Resp) -> (Value, Option<i64>) {
    let mut body = resp.body.clone();
    let mut clock = None;
    if let Some(problem) = body.as_object_mut() {
        for key in ["session_id", "session_token", "user_id"] {
            problem.remove(key);
        }
        if let Some(until) = problem.remove("locked_until") {
            let until = until.as_str().map(|s| {
                time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                    .unwrap()
                    .unix_timestamp()
            });
            clock = until.or(Some(0));
        }
        if let Some(after) = problem.remove("retry_after") {
            clock = after.as_i64();
        }
    }
    let mut headers: Vec<(String, String)> = resp
        .headers
        .iter()
        .filter(|(name, _)| !["date", "content-length", "retry-after"].contains(&name.as_str()))
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
        .collect();
    headers.sort();
    if let Some(after) = resp.headers.get("retry-after") {
        assert_eq!(
            clock,
            after.to_str().unwrap().parse().ok(),
            "header and body agree"
        );
    }
    (
        json!({"status": resp.status, "body": body, "headers": headers}),
        clock,
    )
}

#[tokio::test]
async fn unknown_names_are_answered_exactly_as_known_ones_at_every_stage() {
    for app in apps_behind_a_proxy().await {
        app.settings(json!({"lockout": {"password_max_attempts": 8}}))
            .await;
        let alice = app.user("alice", json!({})).await;
        // Each step for both names, back to back, from addresses of their own.
        let steps: Vec<(&str, &str)> = [
            vec![("1", WRONG); 6],
            vec![("2", WRONG); 3],
            vec![("3", PASSWORD)],
        ]
        .concat();
        for (n, (net, password)) in steps.iter().enumerate() {
            let known = sign_in_from(&app, &format!("192.0.2.{net}"), "alice", password).await;
            let unknown =
                sign_in_from(&app, &format!("198.51.100.{net}"), "nobody", password).await;
            let (known_seen, known_clock) = seen(known);
            let (unknown_seen, unknown_clock) = seen(unknown);
            assert_eq!(known_seen, unknown_seen, "step {n} on {}", app.backend);
            match (known_clock, unknown_clock) {
                (Some(a), Some(b)) => assert!((a - b).abs() <= 1, "step {n}: {a} vs {b}"),
                (a, b) => assert_eq!(a, b, "step {n}"),
            }
            let expected = match n {
                0..=4 | 6 | 7 => 401,
                5 => 429,
                _ => 423,
            };
            assert_eq!(known_seen["status"], expected, "step {n}: {known_seen}");
        }
        // The ceiling holds for every address, the owner's too, until an admin unlocks…
        sign_in_from(&app, "192.0.2.4", "alice", PASSWORD)
            .await
            .problem("locked");
        let locked = app.events("type=user.locked").await;
        assert_eq!(locked.len(), 2, "one for each name: {locked:?}");
        app.admin_post(&format!("/v1/users/{}/unlock", alice.id), json!({}))
            .await
            .ok();
        sign_in_from(&app, "192.0.2.4", "alice", PASSWORD)
            .await
            .created();
        // …or the suspension ends.
        sign_in_from(&app, "198.51.100.4", "nobody", PASSWORD)
            .await
            .problem("locked");
        app.advance(901);
        sign_in_from(&app, "198.51.100.4", "nobody", PASSWORD)
            .await
            .problem("invalid_credentials");
    }
}

#[tokio::test]
async fn the_default_ceiling_is_a_hundred_failures_from_anywhere() {
    for app in apps_behind_a_proxy().await {
        app.user("alice", json!({})).await;
        // Twenty addresses, five tries each: no address waits, and the hundredth failure locks.
        for net in 0..20 {
            let ip = format!("10.0.{net}.1");
            for attempt in 0..5 {
                let answer = sign_in_from(&app, &ip, "alice", WRONG).await;
                let last = net == 19 && attempt == 4;
                answer.problem(if last {
                    "locked"
                } else {
                    "invalid_credentials"
                });
            }
        }
        let locked = sign_in_from(&app, "10.1.0.1", "alice", PASSWORD)
            .await
            .problem("locked");
        assert!(locked["locked_until"].is_string());
    }
}
