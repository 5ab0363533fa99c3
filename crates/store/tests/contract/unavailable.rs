//! A database that does not answer makes the store unavailable within seconds, never a hang.

use std::time::{Duration, Instant};

use twofold_store::{StoreError, StoreOptions};

async fn open_unreachable(url: &str) -> (Result<(), StoreError>, Duration) {
    let started = Instant::now();
    let opened = twofold_store::open(&StoreOptions {
        url: url.to_owned(),
        max_connections: 2,
        schema: Some("unreachable".to_owned()),
    })
    .await
    .map(|_| ());
    (opened, started.elapsed())
}

#[tokio::test]
async fn a_postgresql_that_refuses_or_never_answers_is_unavailable_within_seconds() {
    // Nothing listens on port 1; 10.255.255.1 is routed nowhere, so its connect hangs.
    for url in [
        "postgres://postgres@127.0.0.1:1/test",
        "postgres://postgres@10.255.255.1:5432/test",
    ] {
        let (opened, took) = open_unreachable(url).await;
        assert!(
            matches!(opened, Err(StoreError::Unavailable(_))),
            "{url}: {opened:?}"
        );
        assert!(took < Duration::from_secs(10), "{url} took {took:?}");
    }
}
