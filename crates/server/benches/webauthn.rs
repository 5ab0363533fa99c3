//! WebAuthn under load: the real server in process, on SQLite (and PostgreSQL when
//! TWOFOLD_TEST_DATABASE_URL is set), driven over HTTP by passkey-rs software authenticators.
//!
//! `cargo bench -p twofold-server --bench webauthn`; TWOFOLD_BENCH_SECONDS (default 10) and
//! TWOFOLD_BENCH_CONCURRENCY (default 32) tune it. Reported as rates and percentiles, with a TOTP
//! check in the same harness as the baseline, and the share of the time the software authenticators
//! themselves took (they run on the same cores as the server).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(
    clippy::disallowed_methods,
    reason = "a benchmark times the server from outside"
)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use support::webauthn::{
    ORIGIN, SoftAuthenticator, challenge, check, passwordless, register, webauthn_apps,
};
use support::{Session, TestApp, TestUser};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let limit = Duration::from_secs(env_or("TWOFOLD_BENCH_SECONDS", 10));
    let concurrency = env_or("TWOFOLD_BENCH_CONCURRENCY", 32) as usize;
    for app in webauthn_apps().await {
        let app = Arc::new(app);
        eprintln!("{}: seeding {concurrency} users…", app.backend);
        let mut people = Vec::new();
        for i in 0..concurrency {
            people.push(Person::seed(&app, i).await);
        }
        let totp = measure(&app, &mut people, limit, Round::Totp).await;
        let second = measure(&app, &mut people, limit, Round::SecurityKey).await;
        let passkey = measure(&app, &mut people, limit, Round::Passkey).await;
        println!("{} (concurrency {concurrency})", app.backend);
        println!("{}", totp.line("(a) TOTP check, one PATCH"));
        println!(
            "{}",
            second.line("(h) security key as second factor, challenge + check")
        );
        println!(
            "{}",
            passkey.line("(g) passwordless passkey sign-in, POST + PATCH")
        );
        // (g) and (h) are two requests a round, (a) one.
        println!(
            "    per request, (h) costs {:.2}× and (g) {:.2}× what (a) does",
            totp.rate() / (2.0 * second.rate()).max(f64::MIN_POSITIVE),
            totp.rate() / (2.0 * passkey.rate()).max(f64::MIN_POSITIVE),
        );
    }
}

/// One signed-in user with a TOTP app, a security key and a passkey, each on a device of its own.
struct Person {
    user: TestUser,
    session: Session,
    security_key: SoftAuthenticator,
    passkey: SoftAuthenticator,
    /// TOTP steps already spent, so the baseline never reuses a code.
    totp_spent: Vec<(u64, usize)>,
}

impl Person {
    async fn seed(app: &TestApp, i: usize) -> Person {
        let mut user = app
            .user(&format!("bench{i}"), json!({"mfa_enabled": true}))
            .await;
        for _ in 0..8 {
            app.enrol_totp(&mut user, None).await;
        }
        let mut security_key = SoftAuthenticator::new();
        register(app, &user, &mut security_key, "security_key", "key").await;
        let mut passkey = SoftAuthenticator::new();
        register(app, &user, &mut passkey, "passkey", "phone").await;
        let session = app.sign_in_with_password(&user).await;
        Person {
            user,
            session,
            security_key,
            passkey,
            totp_spent: Vec::new(),
        }
    }
}

#[derive(Clone, Copy)]
enum Round {
    Totp,
    SecurityKey,
    Passkey,
}

struct Report {
    done: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
    in_authenticator: Duration,
}

/// Runs `round` for every person at once until `limit` (or, for TOTP, until the codes run out).
async fn measure(
    app: &Arc<TestApp>,
    people: &mut Vec<Person>,
    limit: Duration,
    round: Round,
) -> Report {
    let started = Instant::now();
    let workers: Vec<_> = people
        .drain(..)
        .map(|mut person| {
            let app = app.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut in_authenticator = Duration::ZERO;
                while started.elapsed() < limit {
                    let began = Instant::now();
                    let signing = match round {
                        Round::Totp => match totp_round(&app, &mut person).await {
                            Some(()) => Duration::ZERO,
                            None => break,
                        },
                        Round::SecurityKey => security_key_round(&app, &mut person).await,
                        Round::Passkey => passkey_round(&app, &mut person).await,
                    };
                    in_authenticator += signing;
                    latencies.push(began.elapsed());
                }
                (person, latencies, in_authenticator)
            })
        })
        .collect();
    let mut report = Report {
        done: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
        in_authenticator: Duration::ZERO,
    };
    for worker in workers {
        let (person, latencies, in_authenticator) = worker.await.unwrap();
        people.push(person);
        report.done += latencies.len();
        report.latencies.extend(latencies);
        report.in_authenticator += in_authenticator;
    }
    report.elapsed = started.elapsed();
    report
}

/// A code of an authenticator for a step not yet spent: the current step of every authenticator,
/// then the next (which the server also accepts, and which must come after the current one);
/// None when all are spent.
async fn totp_round(app: &TestApp, person: &mut Person) -> Option<()> {
    let now = app.server_now();
    let (step, i) = [now / 30, now / 30 + 1]
        .into_iter()
        .flat_map(|step| (0..person.user.totp.len()).map(move |i| (step, i)))
        .find(|spent| !person.totp_spent.contains(spent))?;
    person.totp_spent.push((step, i));
    let code = person.user.totp[i].code_at(step * 30);
    app.check_totp(&mut person.session, &code).await.ok();
    Some(())
}

async fn security_key_round(app: &TestApp, person: &mut Person) -> Duration {
    let options = challenge(app, &mut person.session).await;
    let signing = Instant::now();
    let assertion = person.security_key.sign(ORIGIN, &options).await.unwrap();
    let signing = signing.elapsed();
    let passed = check(app, &mut person.session, assertion).await.ok();
    assert_eq!(passed["mfa"]["satisfied"], true);
    signing
}

async fn passkey_round(app: &TestApp, person: &mut Person) -> Duration {
    let (mut session, options) = passwordless(app, json!({})).await;
    let signing = Instant::now();
    let assertion = person.passkey.sign(ORIGIN, &options).await.unwrap();
    let signing = signing.elapsed();
    let passed = check(app, &mut session, assertion).await.ok();
    assert_eq!(passed["user_id"], person.user.id.as_str());
    signing
}

impl Report {
    fn rate(&self) -> f64 {
        self.done as f64 / self.elapsed.as_secs_f64().max(f64::MIN_POSITIVE)
    }

    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted.get(index).copied().unwrap_or_default()
    }

    fn line(&self, name: &str) -> String {
        let busy: Duration = self.latencies.iter().sum();
        format!(
            "{name}: {:.0}/s ({} in {:.1} s), p50 {:.1} ms, p99 {:.1} ms, software authenticator {:.1} % of the time",
            self.rate(),
            self.done,
            self.elapsed.as_secs_f64(),
            self.percentile(0.50).as_secs_f64() * 1000.0,
            self.percentile(0.99).as_secs_f64() * 1000.0,
            100.0 * self.in_authenticator.as_secs_f64() / busy.as_secs_f64().max(f64::MIN_POSITIVE),
        )
    }
}
