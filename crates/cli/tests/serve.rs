//! The real `twofold` binary: first start, graceful shutdown, restarts, admin tokens, migrations,
//! PostgreSQL (when TWOFOLD_TEST_DATABASE_URL is set) and a bad configuration.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(
    clippy::disallowed_methods,
    reason = "the test waits for the binary and names its files on the wall clock"
)]

mod common;

use common::{STARTUP, Server, TempDir, data_dir_args, run, unique};

#[test]
fn first_start_prints_one_admin_token_creates_key_and_database_and_serves() {
    let dir = TempDir::new("first");
    let mut server = Server::start(&data_dir_args(&dir));
    server
        .proc
        .wait_until("the admin token", STARTUP, |p| !p.stdout().is_empty());
    let stdout = server.proc.stdout();
    assert_eq!(stdout.len(), 1, "{stdout:?}");
    let token = stdout[0]
        .strip_prefix("admin token (shown once): ")
        .expect("admin token line")
        .to_owned();
    assert!(token.starts_with("tfa_"), "{token}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.0.join("master.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "master.key mode {mode:o}");
    }
    assert!(dir.0.join("twofold.db").is_file());

    assert_eq!(server.get("/healthz", None), 200);
    assert_eq!(server.get("/v1/settings/login", Some(&token)), 200);
    assert_eq!(server.get("/v1/settings/login", None), 401);
    assert_eq!(server.get("/v1/settings/login", Some("tfa_wrong")), 401);
    assert_eq!(server.proc.stdout().len(), 1, "the token is printed once");
}

#[test]
fn sigterm_shuts_down_gracefully_with_success() {
    let dir = TempDir::new("sigterm");
    let mut server = Server::start(&data_dir_args(&dir));
    assert_eq!(server.get("/healthz", None), 200);
    let status = server.proc.terminate();
    let stderr = server.proc.stderr();
    assert!(status.success(), "{status}; stderr:\n{stderr}");
    assert!(stderr.contains("twofold stopped"), "{stderr}");
}

#[test]
fn sigterm_the_moment_it_says_it_listens_still_shuts_down_gracefully() {
    // A supervisor may stop a server as soon as it reports that it listens; the signal handler
    // must be in place by then, or SIGTERM's default action kills the process.
    for round in 0..5 {
        let dir = TempDir::new("sigterm-early");
        let serve = [
            &["serve", "--listen", "127.0.0.1:0"][..],
            &data_dir_args(&dir),
        ]
        .concat();
        let mut proc = common::Proc::spawn(&serve);
        common::poll_every(
            "the listening line",
            STARTUP,
            std::time::Duration::from_micros(200),
            || common::listening_port(&proc.stderr()),
        );
        let status = proc.terminate();
        let stderr = proc.stderr();
        assert!(
            status.success(),
            "round {round}: {status}; stderr:\n{stderr}"
        );
        assert!(
            stderr.contains("twofold stopped"),
            "round {round}: {stderr}"
        );
    }
}

#[test]
fn second_start_prints_no_token_and_keeps_the_master_key() {
    let dir = TempDir::new("restart");
    let mut first = Server::start(&data_dir_args(&dir));
    assert!(first.proc.terminate().success());
    assert_eq!(first.proc.stdout().len(), 1);
    let key = std::fs::read(dir.0.join("master.key")).unwrap();

    let mut second = Server::start(&data_dir_args(&dir));
    assert_eq!(second.get("/healthz", None), 200);
    assert!(second.proc.terminate().success());
    assert_eq!(second.proc.stdout(), Vec::<String>::new());
    assert_eq!(std::fs::read(dir.0.join("master.key")).unwrap(), key);
}

#[test]
fn admin_token_create_prints_a_working_token_alone() {
    let dir = TempDir::new("token");
    let create = [&["admin-token", "create"][..], &data_dir_args(&dir)].concat();
    let (status, stdout, stderr) = run(&create);
    assert!(status.success(), "{status}; stderr:\n{stderr}");
    assert_eq!(stdout.len(), 1, "{stdout:?}");
    let token = &stdout[0];
    assert!(token.starts_with("tfa_"), "{token}");

    let server = Server::start(&data_dir_args(&dir));
    assert_eq!(server.get("/v1/settings/login", Some(token)), 200);
}

#[test]
fn migrate_on_a_fresh_data_directory_succeeds() {
    let dir = TempDir::new("migrate");
    let (status, stdout, stderr) = run(&[&["migrate"][..], &data_dir_args(&dir)].concat());
    assert!(status.success(), "{status}; stderr:\n{stderr}");
    assert!(stdout.is_empty(), "{stdout:?}");
    assert!(dir.0.join("twofold.db").is_file());
}

#[test]
fn migrate_and_serve_on_a_postgres_schema_answer_health_and_readiness() {
    let Ok(url) = std::env::var("TWOFOLD_TEST_DATABASE_URL") else {
        eprintln!("skipped: TWOFOLD_TEST_DATABASE_URL not set; PostgreSQL is not tested here");
        return;
    };
    let dir = TempDir::new("postgres");
    let schema = unique("cli");
    let postgres = [
        &data_dir_args(&dir)[..],
        &["--database-url", &url, "--database-schema", &schema],
    ]
    .concat();
    let (status, _, stderr) = run(&[&["migrate"][..], &postgres].concat());
    assert!(status.success(), "{status}; stderr:\n{stderr}");

    let mut server = Server::start(&postgres);
    assert_eq!(server.get("/healthz", None), 200);
    assert_eq!(server.get("/readyz", None), 200);
    assert!(server.proc.terminate().success());
    assert!(
        !dir.0.join("twofold.db").exists(),
        "no SQLite file when on PostgreSQL"
    );
}

#[test]
fn unsupported_database_url_fails_with_a_clear_message_and_no_panic() {
    let dir = TempDir::new("bad");
    let bad = [
        // Port 0: the default port may be another server's on this machine, and the bind
        // comes before the database.
        &["serve", "--listen", "127.0.0.1:0"][..],
        &data_dir_args(&dir),
        &["--database-url", "mysql://x"],
    ]
    .concat();
    let (status, _, stderr) = run(&bad);
    assert!(!status.success(), "{status}");
    // The reason, not just "start-up failed: a dependency is unavailable".
    assert!(stderr.contains("database URL"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
