//! `twofold seed-bench`: bench users written straight through the store, for runs that need more
//! TOTP authenticators than enrolling them one HTTP round trip at a time could make in minutes.
//!
//! Rows are built with the domain's own types and sealed with the server's master key as
//! enrolment seals them, so the server reads them as it reads enrolled ones. What differs from
//! enrolment, on purpose: the seeds come from the bench secret (see `derive`), every bench user
//! shares one Argon2id hash of the bench password (same parameters, one random salt: verifying it
//! costs what verifying any hash costs, and seeding skips thousands of hashes), and no audit
//! events are written for the seeding.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use tokio::sync::Semaphore;
use twofold_core::authenticator::{self, Authenticator, AuthenticatorState};
use twofold_core::lockout::Counter;
use twofold_core::otp::TotpParams;
use twofold_core::secrets::{MasterKey, NONCE_LEN, SealingKey};
use twofold_core::user::{self, User};
use twofold_core::{Factor, UnixTime, password};
use twofold_server::random::{self, OsRandom};
use twofold_server::state::DEFAULT_TENANT;
use twofold_server::{Config, app, keys};
use twofold_store::Store;

use super::derive;
use super::seed::{PASSWORD, now};
use crate::options::StorageArgs;

#[derive(Args, Debug, Clone)]
pub struct SeedBenchArgs {
    #[command(flatten)]
    pub storage: StorageArgs,
    #[command(flatten)]
    pub seeded: SeededArgs,
    /// Users written at once (each task writes a user, then its authenticators).
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
}

/// Which seeded users a run uses; `seed-bench` and `bench --seeded` take the same values.
#[derive(Args, Debug, Clone)]
pub struct SeededArgs {
    /// Username prefix of the seeded users (`PREFIX-0`, `PREFIX-1`, …); a new one per seeding.
    #[arg(long = "seeded", value_name = "PREFIX")]
    pub prefix: Option<String>,
    /// Seeds are derived from this secret. Bench users have a known password: never seed a
    /// database that serves real users.
    #[arg(long, env = "TWOFOLD_BENCH_SECRET", hide_env_values = true)]
    pub bench_secret: Option<String>,
    /// Users to seed (each gets the bench password and `--authenticators` TOTP authenticators).
    #[arg(long, default_value_t = 100)]
    pub users: usize,
    /// Active TOTP authenticators per user (at most 20, the server's limit).
    #[arg(long, default_value_t = 20)]
    pub authenticators: usize,
}

impl SeededArgs {
    /// The prefix and the secret, when seeded users are asked for.
    pub fn chosen(&self) -> anyhow::Result<Option<(&str, &str)>> {
        match (&self.prefix, &self.bench_secret) {
            (None, _) => Ok(None),
            (Some(prefix), Some(secret)) if !secret.is_empty() => Ok(Some((prefix, secret))),
            (Some(_), _) => bail!("--seeded needs --bench-secret (or TWOFOLD_BENCH_SECRET)"),
        }
    }
}

pub async fn run(args: SeedBenchArgs) -> anyhow::Result<()> {
    let Some((prefix, secret)) = args.seeded.chosen()? else {
        bail!("name the users to write with --seeded PREFIX");
    };
    if args.seeded.authenticators > authenticator::MAX_PER_USER {
        bail!(
            "at most {} authenticators per user",
            authenticator::MAX_PER_USER
        );
    }
    let config = args.storage.config()?;
    let store = app::open_store(&config).await?;
    let settings = store
        .tenant_settings(DEFAULT_TENANT)
        .await?
        .context("no tenant yet: start the server once on this database first")?;
    if !settings.second_factors.contains(&Factor::Totp) {
        bail!("TOTP is not among the tenant's second factors");
    }
    let sealing = existing_master_key(&config)?.sealing_key();
    let hash = password::hash(
        PASSWORD,
        &random::bytes(&OsRandom)?,
        password::owasp_params(),
    )?;
    let plan = Arc::new(Plan {
        prefix: prefix.to_owned(),
        secret: secret.to_owned(),
        authenticators: args.seeded.authenticators,
        hash,
        sealing,
        now: now(),
    });
    eprintln!(
        "writing {} users with {} TOTP authenticators each through the store…",
        args.seeded.users, args.seeded.authenticators
    );
    let started = Instant::now();
    let permits = Arc::new(Semaphore::new(args.concurrency.max(1)));
    let mut tasks = Vec::new();
    for index in 0..args.seeded.users {
        let (store, plan, permits) = (store.clone(), plan.clone(), permits.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire_owned().await?;
            write_user(store.as_ref(), &plan, index).await
        }));
    }
    for task in tasks {
        task.await??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let rows = args.seeded.users * (1 + args.seeded.authenticators);
    println!(
        "seeded {} users and {} authenticators ({rows} rows) in {elapsed:.1} s: {:.0} rows/s",
        args.seeded.users,
        args.seeded.users * args.seeded.authenticators,
        rows as f64 / elapsed.max(f64::EPSILON)
    );
    Ok(())
}

struct Plan {
    prefix: String,
    secret: String,
    authenticators: usize,
    hash: String,
    sealing: SealingKey,
    now: UnixTime,
}

/// The key the server seals with. Never a new one: rows sealed with a key the server does not
/// have would fail every check.
fn existing_master_key(config: &Config) -> anyhow::Result<MasterKey> {
    if let Some(encoded) = &config.master_key {
        return Ok(keys::parse_master_key(encoded)?);
    }
    let path = config.master_key_path();
    let contents = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read the master key file {} (start the server once first)",
            path.display()
        )
    })?;
    Ok(keys::parse_master_key(&contents)?)
}

async fn write_user(store: &dyn Store, plan: &Plan, index: usize) -> anyhow::Result<()> {
    let user = User {
        id: random::new_id(&OsRandom)?,
        tenant_id: DEFAULT_TENANT.to_owned(),
        username: user::normalise_username(&derive::username(&plan.prefix, index))?,
        email: None,
        email_verified: false,
        phone: None,
        phone_verified: false,
        language: None,
        password_hash: Some(plan.hash.clone()),
        mfa_enabled: true,
        required_factors: Vec::new(),
        second_factor: Counter::default(),
        password: Counter::default(),
        created_at: plan.now,
        updated_at: plan.now,
    };
    store
        .insert_user(&user)
        .await
        .with_context(|| format!("cannot write user {} (seeded before?)", user.username))?;
    let params = serde_json::to_value(TotpParams::default())?;
    // As if proven two steps ago: every code of the current skew window is still unspent.
    let proven = TotpParams::default().step_at(plan.now).saturating_sub(2);
    let mut written: Vec<Authenticator> = Vec::with_capacity(plan.authenticators);
    for k in 0..plan.authenticators {
        let id = random::new_id(&OsRandom)?;
        let seed = derive::seed(&plan.secret, &plan.prefix, index, k);
        let nonce = random::bytes::<NONCE_LEN>(&OsRandom)?;
        let name =
            authenticator::normalise_name(Some(&format!("bench {k}")), Factor::Totp, &written)?;
        let row = Authenticator {
            sealed_secret: Some(plan.sealing.seal(
                nonce,
                &Authenticator::seal_context(&id),
                seed.expose(),
            )),
            id,
            user_id: user.id.clone(),
            factor: Factor::Totp,
            name,
            state: AuthenticatorState::Active,
            params: params.clone(),
            last_step: Some(proven),
            // One second apart, so the server lists them in the order the bench spends them.
            created_at: UnixTime(plan.now.0 - (plan.authenticators - k) as i64),
            last_used_at: Some(plan.now),
        };
        store.insert_authenticator(&row).await?;
        written.push(row);
    }
    Ok(())
}
