//! (i): a flood of password sign-ins, then the server's resident memory. The bench drives a
//! server in another process, so it reads that process's memory from `/proc/<pid>/status`
//! (`--server-pid`; Linux, same machine). Without a pid only the rate is reported.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use tokio::sync::{Mutex, Semaphore};

use super::client::Client;
use super::report::Report;
use super::scenarios::{Tally, finish, sign_in_with_password};
use super::seed::BenchUser;

/// Resident memory of `pid` in bytes (VmRSS).
pub fn resident_bytes(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("cannot read /proc/{pid}/status"))?;
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse::<u64>().ok())
        .context("no VmRSS in the process status")?;
    Ok(kib * 1024)
}

/// `count` password sign-ins (user + password, a fresh session each), `concurrency` at once.
pub async fn sign_in_flood(
    client: &Client,
    users: &[BenchUser],
    count: usize,
    concurrency: usize,
) -> anyhow::Result<Report> {
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..count {
        let Some(user) = users.get(i % users.len().max(1)).cloned() else {
            break;
        };
        let (client, permits, tally) = (client.clone(), permits.clone(), tally.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire_owned().await?;
            let begun = Instant::now();
            let result = sign_in_with_password(&client, &user).await;
            let mut tally = tally.lock().await;
            match result {
                Ok(_) => tally.latencies.push(begun.elapsed()),
                Err(_) => tally.failed += 1,
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(finish(tally, started).await)
}
