//! The accept loop: axum::serve has no timeouts and no connection cap, so connections are served
//! here with hyper directly. A connection must send its request head within the header timeout
//! (hyper restarts that timer whenever the connection waits for a next request, so it also ends
//! idle keep-alive connections); at most `max_connections` are served at once, and further
//! connections wait in the kernel's listen backlog until one ends.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

use crate::config::HttpConfig;

/// How long a connection may take to finish its request once shutdown begins.
const DRAIN_LIMIT: Duration = Duration::from_secs(30);

/// How long to back off when accepting fails (out of file descriptors, typically).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves `router` on `listener` until `shutdown` completes; then stops accepting, lets every
/// connection finish the request it is in (for at most `DRAIN_LIMIT`), and returns once all have
/// closed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: &HttpConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    // Each connection holds a receiver; the sender learns when the last one is gone.
    let (stop, stopped) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&slots).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        // The peer address, for handlers that ask for it (ConnectInfo, as axum::serve gives).
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request)
        });
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let mut connection = pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                _ = stopped.changed() => {
                    connection.as_mut().graceful_shutdown();
                    // Reads are bounded by the timeouts, writes are not: a client that stops
                    // reading an answer must not hold the shutdown forever.
                    match tokio::time::timeout(DRAIN_LIMIT, connection).await {
                        Ok(result) => result,
                        Err(_) => return,
                    }
                }
            };
            // Timeouts and clients that hang up are routine, not errors of ours.
            if let Err(error) = result {
                tracing::debug!(%error, "connection ended");
            }
        });
    }
    drop(listener);
    drop(stopped);
    let _ = stop.send(());
    stop.closed().await;
}
