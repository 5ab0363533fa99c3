//! `twofold bench`: load against a running server over HTTP, reported as rates and percentiles.
//!
//! Scenarios: (a) second-factor checks — a session PATCH with a valid TOTP code; (b) full
//! sign-ins — password then TOTP; (c) the raw Argon2id hash rate at the server's parameters, so
//! (b)/(c) shows what the server adds on top of the hash it must compute; (d) email-code rounds;
//! (e) whole OIDC authorization-code flows with a password, and (f) their precheck-and-token part;
//! (i) a flood of password sign-ins, and the server's resident memory after it.
//!
//! Users are enrolled over HTTP, or with `--seeded` are the ones `twofold seed-bench` wrote
//! straight into the store (enough codes for (a) at any rate). With `--server-pid` the bench
//! also reads the server's resident memory (idle, around (a), around (i)) and CPU time per request.
#![allow(
    clippy::disallowed_methods,
    reason = "a load generator: it times the server from outside, on its own clocks"
)]

mod client;
mod derive;
mod email;
mod memory;
mod oidc;
mod report;
mod scenarios;
mod seed;
pub mod store_seed;
mod usage;

use std::time::{Duration, Instant};

use clap::Args;

use self::store_seed::SeededArgs;

#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// The server's base URL.
    #[arg(
        long,
        env = "TWOFOLD_BENCH_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub url: String,
    /// An admin token of the server.
    #[arg(long, env = "TWOFOLD_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: String,
    /// Users and authenticators: enrolled over HTTP, or with `--seeded` the ones
    /// `twofold seed-bench` wrote (same `--users`, `--authenticators` and secret).
    #[command(flatten)]
    pub seeded: SeededArgs,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Seconds to run each scenario at most.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Scenarios to run, by letter (`abc` for the TOTP check, sign-ins and the hash).
    #[arg(long, default_value = "abcdei")]
    pub scenarios: String,
    /// The server's process id (same machine): its resident memory (idle, around (a) and (i))
    /// and its CPU time per request in (a).
    #[arg(long, env = "TWOFOLD_BENCH_SERVER_PID")]
    pub server_pid: Option<u32>,
    /// Password sign-ins in (i), the memory round.
    #[arg(long, default_value_t = 1000)]
    pub flood_sign_ins: usize,
    /// Sign-ins in flight at once in (i).
    #[arg(long, default_value_t = 128)]
    pub flood_concurrency: usize,
    /// Run only (i), the memory round.
    #[arg(long)]
    pub memory_only: bool,
}

const MIB: f64 = 1048576.0;

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let client = client::Client::new(&args.url, &args.admin_token)?;
    let limit = Duration::from_secs(args.seconds);
    let (users, authenticators) = (args.seeded.users, args.seeded.authenticators);
    // Before the bench sends anything: the server as it started.
    let idle = resident(&args);
    let seeded = args.seeded.chosen()?;
    let pool = match seeded {
        Some((prefix, secret)) => {
            eprintln!(
                "using {users} users of `{prefix}` with {authenticators} TOTP authenticators each (seed-bench)…"
            );
            seed::Pool::seeded(prefix, secret, users, authenticators)
        }
        None => {
            eprintln!(
                "seeding {users} users with {authenticators} TOTP authenticators each over HTTP…"
            );
            seed::seed(&client, users, authenticators, args.concurrency).await?
        }
    };
    if args.memory_only {
        return flood_round(&client, &pool.0, &args).await;
    }
    let wants = |letter: char| args.scenarios.contains(letter);
    let everyone = pool.0.clone();
    let (for_checks, for_sign_ins) = match seeded {
        // Seeded users have every code of the window unspent: a twentieth of them gives (b)
        // far more codes than its hash-bound rate can spend in a run.
        Some(_) => pool.split_users((users / 20).max(1)),
        // Enrolled users have few codes each: split their authenticators, three quarters to
        // (a) and the rest to (b), so neither starves the other.
        None => pool.split(authenticators * 3 / 4),
    };
    let mut lines = Vec::new();
    if let Some(idle) = idle {
        lines.push(format!(
            "server resident memory idle (before any load): {:.1} MiB",
            idle as f64 / MIB
        ));
    }
    if wants('a') {
        lines.extend(check_round(&client, for_checks, &args, limit).await?);
    }
    let sign_ins = match wants('b') {
        true => {
            eprintln!("(b) password + TOTP sign-ins…");
            let before = usage::snapshot(args.server_pid);
            let report =
                scenarios::full_sign_ins(&client, for_sign_ins, args.concurrency, limit).await?;
            let after = usage::snapshot(args.server_pid);
            let requests = report.done + report.failed;
            lines.push(report.line("(b) password + TOTP sign-in"));
            lines.push(usage::line("(b) CPU", &before, &after, requests));
            let server_ms = usage::server_ms(&before, &after, requests);
            Some((report, server_ms))
        }
        false => None,
    };
    if wants('d') {
        match seeded {
            Some(_) => lines
                .push("(d) skipped: it needs users enrolled over HTTP (no --seeded)".to_owned()),
            None => {
                eprintln!("(d) email-code sign-ins (challenge + check)…");
                let email =
                    email::email_sign_ins(&client, everyone.clone(), args.concurrency, limit)
                        .await?;
                lines.push(email.line("(d) email code challenge + check"));
            }
        }
    }
    let flows = match wants('e') {
        true => {
            eprintln!("(e) OIDC authorization-code flows…");
            let (flows, after_password) =
                oidc::code_flows(&client, users.min(50), args.concurrency, limit).await?;
            lines.push(flows.line("(e) OIDC code flow: authorize + password + continue + token"));
            lines.push(
                after_password.line("(f) of which continue + token (latency; rate is (e)'s)"),
            );
            Some(flows)
        }
        false => None,
    };
    if wants('c') {
        eprintln!("(c) raw Argon2id verifications…");
        let before = usage::snapshot(None);
        let hashes = scenarios::raw_hashes(limit.min(Duration::from_secs(5)));
        let after = usage::snapshot(None);
        lines.push(hashes.line("(c) Argon2id verify, server parameters, memory reused"));
        lines.push(usage::line("(c) CPU", &before, &after, hashes.done));
        if hashes.rate() > 0.0 {
            if let Some((sign_ins, server_ms)) = &sign_ins {
                lines.push(format!(
                    "(b)/(c) = {:.2} by rate",
                    sign_ins.rate() / hashes.rate()
                ));
                // Rates move with whatever else the machine runs, CPU time per request much
                // less: a hash's CPU over a sign-in's server CPU is the ratio the rates have on
                // an otherwise idle machine, where both are bound by the CPU.
                let hash_ms = usage::own_ms(&before, &after, hashes.done);
                if let (Some(server_ms), Some(hash_ms)) = (server_ms, hash_ms) {
                    lines.push(format!(
                        "(b)/(c) = {:.2} by CPU time: {hash_ms:.1} ms per hash, {server_ms:.1} ms of server CPU per sign-in",
                        hash_ms / server_ms.max(f64::EPSILON)
                    ));
                }
            }
            if let Some(flows) = &flows {
                lines.push(format!("(e)/(c) = {:.2}", flows.rate() / hashes.rate()));
            }
        }
    }
    for line in lines {
        println!("{line}");
    }
    // Last, so a flood of 128 sign-ins in flight does not warm or load the server that the
    // scenarios above measure.
    match wants('i') {
        true => flood_round(&client, &everyone, &args).await,
        false => Ok(()),
    }
}

fn resident(args: &BenchArgs) -> Option<u64> {
    args.server_pid
        .and_then(|pid| memory::resident_bytes(pid).ok())
}

/// (a): sessions signed in outside the clock, then checks; with the code budget, the CPU each
/// check cost, and the server's memory before and after.
async fn check_round(
    client: &client::Client,
    users: Vec<seed::BenchUser>,
    args: &BenchArgs,
    limit: Duration,
) -> anyhow::Result<Vec<String>> {
    eprintln!(
        "(a) signing in {} users with their password (outside the clock)…",
        users.len()
    );
    let started = Instant::now();
    let sessions = scenarios::sign_in_all(client, users, args.concurrency).await?;
    let mut lines = vec![format!(
        "(a) {} sessions signed in before the clock in {:.1} s; {} codes spendable at the start",
        sessions.len(),
        started.elapsed().as_secs_f64(),
        scenarios::code_budget(&sessions)
    )];
    let signed_in = resident(args);
    eprintln!(
        "(a) second-factor checks at concurrency {}…",
        args.concurrency
    );
    let before = usage::snapshot(args.server_pid);
    let checks = scenarios::totp_checks(client, sessions, args.concurrency, limit).await?;
    let after = usage::snapshot(args.server_pid);
    let at_end = resident(args);
    lines.push(checks.line("(a) TOTP check (session PATCH)"));
    if checks.elapsed + Duration::from_millis(500) < limit {
        lines.push(format!(
            "(a) ran out of codes after {:.1} s: seed more users for a full run",
            checks.elapsed.as_secs_f64()
        ));
    }
    lines.push(usage::line(
        "(a) CPU",
        &before,
        &after,
        checks.done + checks.failed,
    ));
    if let (Some(signed_in), Some(at_end)) = (signed_in, at_end) {
        lines.push(format!(
            "(a) server resident memory: {:.1} MiB after the sign-ins, {:.1} MiB at the end of (a)",
            signed_in as f64 / MIB,
            at_end as f64 / MIB
        ));
    }
    Ok(lines)
}

/// (i): a flood of password sign-ins, with the server's resident memory before and after.
async fn flood_round(
    client: &client::Client,
    users: &[seed::BenchUser],
    args: &BenchArgs,
) -> anyhow::Result<()> {
    let before = args.server_pid.map(memory::resident_bytes).transpose()?;
    eprintln!(
        "(i) {} password sign-ins at concurrency {}…",
        args.flood_sign_ins, args.flood_concurrency
    );
    let flood =
        memory::sign_in_flood(client, users, args.flood_sign_ins, args.flood_concurrency).await?;
    let after = args.server_pid.map(memory::resident_bytes).transpose()?;
    println!("{}", flood.line("(i) password sign-in flood"));
    match (before, after) {
        (Some(before), Some(after)) => println!(
            "(i) server resident memory: {:.0} MiB before, {:.0} MiB after",
            before as f64 / MIB,
            after as f64 / MIB
        ),
        _ => println!("(i) server resident memory: pass --server-pid to measure"),
    }
    Ok(())
}
