//! `twofold bench`: load against a running server over HTTP, reported as rates and percentiles.
//!
//! Scenarios: (a) second-factor checks — a session PATCH with a valid TOTP code; (b) full
//! sign-ins — password then TOTP; (c) the raw Argon2id hash rate at the server's parameters, so
//! (b)/(c) shows what the server adds on top of the hash it must compute; (d) email-code rounds;
//! (e) whole OIDC authorization-code flows with a password, and (f) their precheck-and-token part;
//! (i) a flood of password sign-ins, and the server's resident memory after it.
#![allow(
    clippy::disallowed_methods,
    reason = "a load generator: it times the server from outside, on its own clocks"
)]

mod client;
mod email;
mod memory;
mod oidc;
mod report;
mod scenarios;
mod seed;

use std::time::Duration;

use clap::Args;

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
    /// Users to seed (each gets a password and several TOTP authenticators).
    #[arg(long, default_value_t = 100)]
    pub users: usize,
    /// TOTP authenticators per user; each gives two codes to spend.
    #[arg(long, default_value_t = 20)]
    pub authenticators: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Seconds to run each scenario at most.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// The server's process id (same machine), to report its resident memory after (i).
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

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let client = client::Client::new(&args.url, &args.admin_token)?;
    let limit = Duration::from_secs(args.seconds);
    eprintln!(
        "seeding {} users with {} TOTP authenticators each…",
        args.users, args.authenticators
    );
    let pool = seed::seed(&client, args.users, args.authenticators, args.concurrency).await?;
    if args.memory_only {
        return flood_round(&client, &pool.0, &args).await;
    }
    // Authenticators are split: three quarters feed (a), the rest (b), so neither starves the other.
    let everyone = pool.0.clone();
    let for_flood = pool.0.clone();
    let (for_checks, for_sign_ins) = pool.split(args.authenticators * 3 / 4);

    eprintln!("(a) second-factor checks…");
    let checks = scenarios::totp_checks(&client, for_checks, args.concurrency, limit).await?;
    eprintln!("(b) password + TOTP sign-ins…");
    let sign_ins = scenarios::full_sign_ins(&client, for_sign_ins, args.concurrency, limit).await?;
    eprintln!("(d) email-code sign-ins (challenge + check)…");
    let email = email::email_sign_ins(&client, everyone, args.concurrency, limit).await?;
    eprintln!("(e) OIDC authorization-code flows…");
    let (flows, after_password) =
        oidc::code_flows(&client, args.users.min(50), args.concurrency, limit).await?;
    eprintln!("(c) raw Argon2id hashes…");
    let hashes = scenarios::raw_hashes(limit.min(Duration::from_secs(5)));

    println!("{}", checks.line("(a) TOTP check (session PATCH)"));
    println!("{}", sign_ins.line("(b) password + TOTP sign-in"));
    println!("{}", hashes.line("(c) Argon2id hash, server parameters"));
    println!("{}", email.line("(d) email code challenge + check"));
    println!(
        "{}",
        flows.line("(e) OIDC code flow: authorize + password + continue + token")
    );
    println!(
        "{}",
        after_password.line("(f) of which continue + token (latency; rate is (e)'s)")
    );
    if hashes.rate() > 0.0 {
        println!("(b)/(c) = {:.2}", sign_ins.rate() / hashes.rate());
        println!("(e)/(c) = {:.2}", flows.rate() / hashes.rate());
    }
    // Last, so a flood of 128 sign-ins in flight does not warm or load the server that the
    // scenarios above measure.
    flood_round(&client, &for_flood, &args).await
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
            before as f64 / 1048576.0,
            after as f64 / 1048576.0
        ),
        _ => println!("(i) server resident memory: pass --server-pid to measure"),
    }
    Ok(())
}
