//! The storage flags shared by serve, migrate and admin-token, each with its environment twin.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use twofold_server::Config;
use twofold_server::config::FileConfig;

#[derive(Args, Debug, Clone)]
pub struct StorageArgs {
    /// Address to listen on.
    #[arg(long, env = "TWOFOLD_LISTEN")]
    listen: Option<SocketAddr>,
    /// Directory for the SQLite database and the master key file.
    #[arg(long, env = "TWOFOLD_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// `postgres://…` for PostgreSQL; default SQLite in the data directory.
    #[arg(long, env = "TWOFOLD_DATABASE_URL")]
    database_url: Option<String>,
    /// PostgreSQL schema for Twofold's tables (created if missing).
    #[arg(long, env = "TWOFOLD_DATABASE_SCHEMA")]
    database_schema: Option<String>,
    /// TOML configuration file; flags and environment win over it.
    #[arg(long, env = "TWOFOLD_CONFIG")]
    config: Option<PathBuf>,
    /// Master key file (created 0600 if missing); default `<data-dir>/master.key`.
    #[arg(long, env = "TWOFOLD_MASTER_KEY_FILE")]
    master_key_file: Option<PathBuf>,
    /// The URL users reach the server at.
    #[arg(long, env = "TWOFOLD_PUBLIC_URL")]
    public_url: Option<String>,
    /// Base64 master key (32 bytes), instead of a key file.
    #[arg(long, env = "TWOFOLD_MASTER_KEY", hide_env_values = true)]
    master_key: Option<String>,
}

impl StorageArgs {
    pub fn config(&self) -> anyhow::Result<Config> {
        let mut config = Config::default();
        if let Some(path) = &self.config {
            FileConfig::read(path)?.apply(&mut config);
        }
        if let Some(listen) = self.listen {
            config.listen = listen;
        }
        if let Some(dir) = &self.data_dir {
            config.data_dir = dir.clone();
        }
        config.database_url = self.database_url.clone().or(config.database_url);
        config.database_schema = self.database_schema.clone().or(config.database_schema);
        config.master_key_file = self.master_key_file.clone().or(config.master_key_file);
        config.public_url = self.public_url.clone().or(config.public_url);
        config.master_key = self.master_key.clone();
        Ok(config)
    }
}
