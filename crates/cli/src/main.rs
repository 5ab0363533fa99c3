//! The `twofold` binary: serve, migrate, admin-token, bench.

mod bench;
mod options;

use anyhow::Context;
use clap::{Parser, Subcommand};
use twofold_server::app;

use crate::options::StorageArgs;

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
        }
    })
}

async fn serve(args: StorageArgs) -> anyhow::Result<()> {
    let config = args.config()?;
    // Bind first: a taken port must not cost the one-time admin token of a first start.
    let listener = app::bind(&config).await?;
    let prepared = app::prepare(&config).await.context("start-up failed")?;
    if let Some(token) = &prepared.first_admin_token {
        // Printed once, on the first start, so the operator can reach the admin API.
        println!("admin token (shown once): {}", token.expose());
    }
    let address = listener.local_addr()?;
    tracing::info!(%address, "twofold listening on http://{address}");
    app::serve(listener, prepared.state, shutdown_signal()).await?;
    tracing::info!("twofold stopped");
    Ok(())
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TWOFOLD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=warn,sqlx=warn"));
    // Colour only for a person at a terminal, never into files or log collectors.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .init();
}
