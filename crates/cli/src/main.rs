//! The `twofold` binary: serve, migrate, admin-token, bench, seed-bench, push-device.

mod bench;
mod options;
mod push_device;

use anyhow::Context;
use clap::{Parser, Subcommand};
use twofold_server::app;

use crate::options::StorageArgs;

// mimalloc over glibc's malloc: a TOTP check allocates and frees many small values across the
// runtime's threads, and glibc's arenas spent a tenth of the server's CPU on it
// (docs/benchmarks.md, "After the perf pass").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "twofold",
    version,
    about = "Twofold: a multi-factor authentication server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (creates the data directory, database and master key on first start).
    Serve(StorageArgs),
    /// Apply database migrations and exit.
    Migrate(StorageArgs),
    /// Admin API tokens.
    AdminToken {
        #[command(subcommand)]
        command: AdminTokenCommand,
    },
    /// Load-test a running server and print rates.
    Bench(bench::BenchArgs),
    /// Write bench users with active TOTP authenticators straight into the database, for
    /// `bench --seeded` (throwaway databases only: the users have a known password).
    SeedBench(bench::store_seed::SeedBenchArgs),
    /// A reference push device: enrol from a URI, list what is pending, approve or deny.
    PushDevice {
        #[command(subcommand)]
        command: push_device::PushDeviceCommand,
    },
}

#[derive(Subcommand)]
enum AdminTokenCommand {
    /// Create an admin token and print it alone on stdout.
    Create(StorageArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve(args).await,
            Command::Migrate(args) => {
                app::open_store(&args.config()?)
                    .await
                    .context("migration failed")?;
                tracing::info!("migrations applied");
                Ok(())
            }
            Command::AdminToken {
                command: AdminTokenCommand::Create(args),
            } => {
                let token = app::create_admin_token(&args.config()?)
                    .await
                    .context("cannot create admin token")?;
                println!("{}", token.expose());
                Ok(())
            }
            Command::Bench(args) => bench::run(args).await,
            Command::SeedBench(args) => bench::store_seed::run(args).await,
            Command::PushDevice { command } => push_device::run(command).await,
        }
    })
}

async fn serve(args: StorageArgs) -> anyhow::Result<()> {
    let config = args.config()?;
    // Bind first: a taken port must not cost the one-time admin token of a first start.
    let listener = app::bind(&config).await?;
    let metrics_listener = app::bind_metrics(&config).await?;
    let prepared = app::prepare(&config).await.context("start-up failed")?;
    let shutdown = shutdown_signal()?;
    if let Some(token) = &prepared.first_admin_token {
        // Printed once, on the first start, so the operator can reach the admin API.
        println!("admin token (shown once): {}", token.expose());
    }
    let address = listener.local_addr()?;
    tracing::info!(%address, "twofold listening on http://{address}");
    // The metrics listener stops when the API has: the last scrape sees the final counts.
    let (stop_metrics, metrics_stopped) = tokio::sync::oneshot::channel::<()>();
    let metrics = metrics_listener.map(|listener| {
        if let Ok(address) = listener.local_addr() {
            tracing::info!(%address, "metrics on http://{address}/metrics");
        }
        let state = prepared.state.clone();
        tokio::spawn(app::serve_metrics(listener, state, async {
            let _ = metrics_stopped.await;
        }))
    });
    app::serve(listener, prepared.state, shutdown).await?;
    let _ = stop_metrics.send(());
    if let Some(metrics) = metrics {
        let _ = metrics.await;
    }
    tracing::info!("twofold stopped");
    Ok(())
}

/// Ctrl-C or SIGTERM. The handlers are installed here, before the caller says it listens: a
/// signal stream registers only when it is created, and a SIGTERM that arrived before that would
/// have killed the process with the default action instead of shutting it down (a supervisor
/// that stops a server right after it came up saw a failed exit).
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    let (mut interrupt, mut terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()).context("cannot handle SIGINT")?,
            signal(SignalKind::terminate()).context("cannot handle SIGTERM")?,
        )
    };
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        tracing::info!("shutting down");
    })
}

/// Our own crates (targets match by prefix: every `twofold_*` crate and the binary) and
/// tower-http's request trace log at whatever level the filter asks.
const OWN_TARGETS: [&str; 2] = ["twofold", "tower_http"];

const DEFAULT_FILTER: &str = "info,tower_http=warn,sqlx=warn";

/// `TWOFOLD_LOG`, else `RUST_LOG`, else info. Dependencies are capped at info whatever the
/// filter says: at debug and trace they log what passes through them — lettre the SMTP
/// conversation with `AUTH PLAIN` and the message, others headers and bodies — and no level of
/// our log may hold a secret.
fn init_logging() {
    use tracing_subscriber::Layer;
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;

    let asked = ["TWOFOLD_LOG", "RUST_LOG"]
        .into_iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()));
    let filter = match asked.as_deref().map(tracing_subscriber::EnvFilter::try_new) {
        Some(Ok(filter)) => filter,
        Some(Err(error)) => {
            eprintln!("ignoring the log filter ({error}); logging at info");
            tracing_subscriber::EnvFilter::new(DEFAULT_FILTER)
        }
        None => tracing_subscriber::EnvFilter::new(DEFAULT_FILTER),
    };
    let cap = OWN_TARGETS.into_iter().fold(
        Targets::new().with_default(LevelFilter::INFO),
        |cap, own| cap.with_target(own, LevelFilter::TRACE),
    );
    // Colour only for a person at a terminal, never into files or log collectors.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none();
    let output = tracing_subscriber::fmt::layer()
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .with_filter(filter);
    tracing_subscriber::registry().with(cap).with(output).init();
}
