//! `twofold seed-bench` and `twofold bench --seeded`: users written straight into the store sign
//! in and pass TOTP checks on the real server, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{STARTUP, Server, TempDir, data_dir_args, run, unique};

const SECRET: &str = "--bench-secret=test-secret";

/// Starts a server on `storage`, seeds three users with two authenticators each, and runs (a)
/// against them; the bench's report.
fn seed_and_check(storage: &[&str]) -> String {
    let mut server = Server::start(storage);
    server
        .proc
        .wait_until("the admin token", STARTUP, |p| !p.stdout().is_empty());
    let token = server.proc.stdout()[0]
        .strip_prefix("admin token (shown once): ")
        .expect("admin token line")
        .to_owned();
    let prefix = unique("seeded");
    let seeded = [
        "--seeded",
        &prefix,
        SECRET,
        "--users",
        "3",
        "--authenticators",
        "2",
    ];

    let (status, stdout, stderr) = run(&[&["seed-bench"][..], storage, &seeded].concat());
    assert!(status.success(), "{status}; stderr:\n{stderr}");
    assert!(
        stdout
            .iter()
            .any(|l| l.starts_with("seeded 3 users and 6 authenticators (9 rows)")),
        "{stdout:?}"
    );

    let url = format!("http://127.0.0.1:{}", server.port);
    let bench = [
        &["bench", "--url", &url, "--admin-token", &token][..],
        &seeded,
        &["--scenarios", "a", "--concurrency", "2", "--seconds", "2"],
    ]
    .concat();
    let (status, stdout, stderr) = run(&bench);
    assert!(status.success(), "{status}; stderr:\n{stderr}");
    stdout.join("\n")
}

/// The number before ` ok` in (a)'s line, and that nothing failed.
fn checks_passed(report: &str) -> usize {
    let line = report
        .lines()
        .find(|l| l.starts_with("(a) TOTP check"))
        .unwrap_or_else(|| panic!("no (a) line in {report}"));
    assert!(line.contains(" 0 failed"), "{line}");
    let (before, _) = line.split_once(" ok,").unwrap();
    before.rsplit('(').next().unwrap().parse().unwrap()
}

#[test]
fn seeded_users_sign_in_and_pass_totp_checks_on_sqlite() {
    let dir = TempDir::new("seeded");
    let report = seed_and_check(&data_dir_args(&dir));
    // Two of the three users sign in for (a), each with two authenticators of up to three codes.
    assert!(report.contains("(a) 2 sessions signed in"), "{report}");
    assert!(checks_passed(&report) >= 4, "{report}");
}

#[test]
fn seeded_users_sign_in_and_pass_totp_checks_on_postgres() {
    let Ok(url) = std::env::var("TWOFOLD_TEST_DATABASE_URL") else {
        eprintln!("skipped: TWOFOLD_TEST_DATABASE_URL not set; PostgreSQL is not tested here");
        return;
    };
    let dir = TempDir::new("seeded-pg");
    let schema = unique("seeded");
    let storage = [
        &data_dir_args(&dir)[..],
        &["--database-url", &url, "--database-schema", &schema],
    ]
    .concat();
    let report = seed_and_check(&storage);
    assert!(checks_passed(&report) >= 4, "{report}");
}

#[test]
fn seeding_before_the_server_ever_started_fails_clearly_and_makes_no_key() {
    let dir = TempDir::new("unseeded");
    let args = [
        &["seed-bench", "--seeded", "x", SECRET][..],
        &data_dir_args(&dir),
    ]
    .concat();
    let (status, _, stderr) = run(&args);
    assert!(!status.success(), "{status}");
    assert!(stderr.contains("start the server once"), "{stderr}");
    assert!(!dir.0.join("master.key").exists());
}
