//! The storage flags shared by serve, migrate and admin-token, each with its environment twin.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

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
    /// WebAuthn relying party id (default: the public URL's host).
    #[arg(long, env = "TWOFOLD_WEBAUTHN_RP_ID")]
    webauthn_rp_id: Option<String>,
    /// Origins WebAuthn ceremonies may come from, comma-separated (default: the public URL's).
    #[arg(long, env = "TWOFOLD_WEBAUTHN_ORIGINS", value_delimiter = ',')]
    webauthn_origins: Vec<String>,
    /// Base64 master key (32 bytes), instead of a key file.
    #[arg(long, env = "TWOFOLD_MASTER_KEY", hide_env_values = true)]
    master_key: Option<String>,
    /// SMTP server for email codes: `smtps://user:pass@host:465`, `smtp://host:587?tls=required`,
    /// or `smtp://localhost:25` for a local relay.
    #[arg(long, env = "TWOFOLD_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// Sender address of email codes, e.g. `Acme <no-reply@acme.example>`.
    #[arg(long, env = "TWOFOLD_EMAIL_FROM")]
    email_from: Option<String>,
    /// JSON webhook that sends SMS: POST {"to", "message", "exchange_id"}.
    #[arg(long, env = "TWOFOLD_SMS_GATEWAY_URL")]
    sms_gateway_url: Option<String>,
    /// Bearer token for the SMS webhook.
    #[arg(long, env = "TWOFOLD_SMS_GATEWAY_TOKEN", hide_env_values = true)]
    sms_gateway_token: Option<String>,
    /// Twilio account SID (instead of the webhook).
    #[arg(long, env = "TWOFOLD_TWILIO_ACCOUNT_SID")]
    twilio_account_sid: Option<String>,
    #[arg(long, env = "TWOFOLD_TWILIO_AUTH_TOKEN", hide_env_values = true)]
    twilio_auth_token: Option<String>,
    /// The Twilio number SMS come from.
    #[arg(long, env = "TWOFOLD_TWILIO_FROM")]
    twilio_from: Option<String>,
    /// A Twilio-compatible API's base URL (default Twilio's own).
    #[arg(long, env = "TWOFOLD_TWILIO_API_URL")]
    twilio_api_url: Option<String>,
    /// Serve Prometheus `/metrics` on this address (off by default; never on `--listen`).
    #[arg(long, env = "TWOFOLD_METRICS_LISTEN")]
    metrics_listen: Option<SocketAddr>,
    /// Browser origins allowed to call the API (CORS), comma-separated; default none.
    #[arg(long, env = "TWOFOLD_CORS_ORIGINS", value_delimiter = ',')]
    cors_origins: Vec<String>,
    /// Seconds a connection has to send a request head (and may idle between requests).
    #[arg(long, env = "TWOFOLD_HEADER_TIMEOUT")]
    header_timeout: Option<u64>,
    /// Seconds a request has to send its body after its head.
    #[arg(long, env = "TWOFOLD_BODY_TIMEOUT")]
    body_timeout: Option<u64>,
    /// Connections served at once; more wait until one ends.
    #[arg(long, env = "TWOFOLD_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// Milliseconds a node keeps the login settings before reading them again (default 1000):
    /// the longest a change made on another node takes to apply here. 0 reads them every time.
    #[arg(long, env = "TWOFOLD_SETTINGS_CACHE_MILLIS")]
    settings_cache_millis: Option<u64>,
    /// Development only: log codes instead of sending them where no transport is configured.
    #[arg(long, env = "TWOFOLD_DEV_MODE")]
    dev_mode: bool,
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
        config.webauthn_rp_id = self.webauthn_rp_id.clone().or(config.webauthn_rp_id);
        if !self.webauthn_origins.is_empty() {
            config.webauthn_origins = self.webauthn_origins.clone();
        }
        if let Some(millis) = self.settings_cache_millis {
            config.settings_cache = Duration::from_millis(millis);
        }
        let http = &mut config.http;
        http.metrics_listen = self.metrics_listen.or(http.metrics_listen);
        if !self.cors_origins.is_empty() {
            http.cors_origins = self.cors_origins.clone();
        }
        if let Some(seconds) = self.header_timeout {
            http.header_timeout = Duration::from_secs(seconds);
        }
        if let Some(seconds) = self.body_timeout {
            http.body_timeout = Duration::from_secs(seconds);
        }
        http.max_connections = self.max_connections.unwrap_or(http.max_connections);
        let delivery = &mut config.delivery;
        let or = |flag: &Option<String>, file: &mut Option<String>| {
            if flag.is_some() {
                *file = flag.clone();
            }
        };
        or(&self.smtp_url, &mut delivery.smtp_url);
        or(&self.email_from, &mut delivery.email_from);
        or(&self.sms_gateway_url, &mut delivery.sms_gateway_url);
        or(&self.sms_gateway_token, &mut delivery.sms_gateway_token);
        or(&self.twilio_account_sid, &mut delivery.twilio_account_sid);
        or(&self.twilio_auth_token, &mut delivery.twilio_auth_token);
        or(&self.twilio_from, &mut delivery.twilio_from);
        or(&self.twilio_api_url, &mut delivery.twilio_api_url);
        delivery.dev_mode |= self.dev_mode;
        Ok(config)
    }
}
