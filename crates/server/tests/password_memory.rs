//! A flood of password sign-ins costs a constant amount of memory. The server runs in this test's
//! process, so the process's resident memory is the server's (plus the test's own, which is small
//! and does not grow with the flood).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;

use serde_json::json;
use support::{PASSWORD, TestApp, databases};
use tokio::sync::Semaphore;

/// Resident memory of this process, from the kernel (Linux).
fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .expect("VmRSS in /proc/self/status");
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap();
    kib * 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_password_sign_ins_does_not_grow_memory_with_it() {
    const SIGN_INS: usize = 240;
    const CONCURRENCY: usize = 64;
    const MIB: u64 = 1024 * 1024;
    for database in databases() {
        let backend = if database.is_some() {
            "postgres"
        } else {
            "sqlite"
        };
        let app = Arc::new(TestApp::spawn(backend, database).await);
        app.user("flood", json!({})).await;
        // One sign-in first, so buffers that exist once (the workers' own) are counted in the base.
        for _ in 0..4 {
            app.start_session(
                json!({"user": {"login_name": "flood"}, "password": {"password": PASSWORD}}),
            )
            .await
            .created();
        }
        let before = resident_bytes();
        let permits = Arc::new(Semaphore::new(CONCURRENCY));
        let mut tasks = Vec::new();
        for i in 0..SIGN_INS {
            let (app, permits) = (app.clone(), permits.clone());
            tasks.push(tokio::spawn(async move {
                let _permit = permits.acquire_owned().await.unwrap();
                // Known and unknown users alike: both cost one hash. Each unknown name fails once,
                // and few enough fail that neither the per-source wait (after five failures of a
                // name from one address) nor the per-address limit (100 an hour) answers before
                // hashing.
                let name = if i % 4 == 0 {
                    format!("nobody{i}")
                } else {
                    "flood".to_owned()
                };
                app.start_session(
                    json!({"user": {"login_name": name}, "password": {"password": PASSWORD}}),
                )
                .await
                .status
            }));
        }
        for task in tasks {
            let status = task.await.unwrap();
            assert!(status == 201 || status == 401, "{status}");
        }
        let grown = resident_bytes().saturating_sub(before);
        assert!(
            grown < 64 * MIB,
            "{backend}: {SIGN_INS} sign-ins at concurrency {CONCURRENCY} grew resident memory by {} MiB",
            grown / MIB
        );
    }
}
