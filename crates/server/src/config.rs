//! Server configuration: command-line flags and their environment twins, over an optional TOML
//! file, over defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::error::Error;

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// `None`: SQLite in the data directory.
    pub database_url: Option<String>,
    /// PostgreSQL only: the schema to keep tables in.
    pub database_schema: Option<String>,
    pub database_max_connections: u32,
    pub public_url: Option<String>,
    /// The WebAuthn relying party id; default the public URL's host.
    pub webauthn_rp_id: Option<String>,
    /// Origins WebAuthn ceremonies may come from; default the public URL's origin.
    pub webauthn_origins: Vec<String>,
    pub master_key_file: Option<PathBuf>,
    /// Base64 master key given directly (environment), instead of a key file.
    pub master_key: Option<String>,
    /// The issuer shown in authenticator apps.
    pub totp_issuer: String,
    /// Argon2id hashes allowed at once (each takes 19 MiB); 0 means one per CPU.
    pub password_hash_concurrency: usize,
    /// Trust `X-Forwarded-For` from the proxy in front (only behind one that overwrites it).
    pub trust_forwarded_for: bool,
    /// How long a node keeps a tenant's login settings before reading them again: the longest a
    /// change made on another node goes unseen here. Zero reads them for every request.
    pub settings_cache: Duration,
    pub delivery: DeliveryConfig,
    pub http: HttpConfig,
}

/// How the HTTP listener treats connections, and who else may call it.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// A connection must send a complete request head within this time — after accepting it,
    /// and again while it idles between keep-alive requests.
    pub header_timeout: Duration,
    /// A request's body must have arrived this long after its head.
    pub body_timeout: Duration,
    /// Connections served at once; further ones wait in the listen backlog.
    pub max_connections: usize,
    /// Serve `/metrics` on this address (off when `None`; never on the public listener).
    pub metrics_listen: Option<SocketAddr>,
    /// Browser origins (`https://login.example.com`) allowed to call the API (CORS).
    pub cors_origins: Vec<String>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            max_connections: 1024,
            metrics_listen: None,
            cors_origins: Vec::new(),
        }
    }
}

/// The `[http]` table of the TOML file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpFileConfig {
    pub header_timeout_seconds: Option<u64>,
    pub body_timeout_seconds: Option<u64>,
    pub max_connections: Option<usize>,
    pub metrics_listen: Option<SocketAddr>,
    pub cors_origins: Option<Vec<String>>,
}

impl HttpFileConfig {
    fn apply(self, config: &mut HttpConfig) {
        if let Some(seconds) = self.header_timeout_seconds {
            config.header_timeout = Duration::from_secs(seconds);
        }
        if let Some(seconds) = self.body_timeout_seconds {
            config.body_timeout = Duration::from_secs(seconds);
        }
        config.max_connections = self.max_connections.unwrap_or(config.max_connections);
        config.metrics_listen = self.metrics_listen.or(config.metrics_listen);
        if let Some(origins) = self.cors_origins {
            config.cors_origins = origins;
        }
    }
}

/// Where codes go out. Nothing configured and no dev mode: sending answers 503 saying what to set.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryConfig {
    /// `smtps://user:pass@host:465`, `smtp://host:587?tls=required`, or `smtp://localhost:25`.
    pub smtp_url: Option<String>,
    pub email_from: Option<String>,
    /// Generic JSON webhook for SMS: POST `{"to", "message", "exchange_id"}`.
    pub sms_gateway_url: Option<String>,
    pub sms_gateway_token: Option<String>,
    pub twilio_account_sid: Option<String>,
    pub twilio_auth_token: Option<String>,
    pub twilio_from: Option<String>,
    /// Defaults to Twilio's own API.
    pub twilio_api_url: Option<String>,
    /// Log codes instead of sending them where no transport is configured. Development only.
    #[serde(default)]
    pub dev_mode: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./twofold-data"),
            database_url: None,
            database_schema: None,
            database_max_connections: 16,
            public_url: None,
            webauthn_rp_id: None,
            webauthn_origins: Vec::new(),
            master_key_file: None,
            master_key: None,
            totp_issuer: "Twofold".to_owned(),
            password_hash_concurrency: 0,
            trust_forwarded_for: false,
            settings_cache: Duration::from_secs(1),
            delivery: DeliveryConfig::default(),
            http: HttpConfig::default(),
        }
    }
}

/// The TOML file: every key optional, unknown keys refused so typos are caught at start-up.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub database_schema: Option<String>,
    pub database_max_connections: Option<u32>,
    pub public_url: Option<String>,
    pub webauthn_rp_id: Option<String>,
    pub webauthn_origins: Option<Vec<String>>,
    pub master_key_file: Option<PathBuf>,
    pub totp_issuer: Option<String>,
    pub password_hash_concurrency: Option<usize>,
    pub trust_forwarded_for: Option<bool>,
    pub settings_cache_millis: Option<u64>,
    pub delivery: Option<DeliveryConfig>,
    pub http: Option<HttpFileConfig>,
}

impl FileConfig {
    pub fn read(path: &Path) -> Result<FileConfig, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::InvalidRequest(format!("cannot read config file {}: {e}", path.display()))
        })?;
        toml::from_str(&text)
            .map_err(|e| Error::InvalidRequest(format!("config file {}: {e}", path.display())))
    }

    /// Fills what the file sets into `config`; values already chosen on the command line win
    /// (the caller applies flags after this).
    pub fn apply(self, config: &mut Config) {
        let FileConfig {
            listen,
            data_dir,
            database_url,
            database_schema,
            database_max_connections,
            public_url,
            webauthn_rp_id,
            webauthn_origins,
            master_key_file,
            totp_issuer,
            password_hash_concurrency,
            trust_forwarded_for,
            settings_cache_millis,
            delivery,
            http,
        } = self;
        config.listen = listen.unwrap_or(config.listen);
        config.data_dir = data_dir.unwrap_or(config.data_dir.clone());
        config.database_url = database_url.or(config.database_url.take());
        config.database_schema = database_schema.or(config.database_schema.take());
        config.database_max_connections =
            database_max_connections.unwrap_or(config.database_max_connections);
        config.public_url = public_url.or(config.public_url.take());
        config.webauthn_rp_id = webauthn_rp_id.or(config.webauthn_rp_id.take());
        if let Some(origins) = webauthn_origins {
            config.webauthn_origins = origins;
        }
        config.master_key_file = master_key_file.or(config.master_key_file.take());
        config.totp_issuer = totp_issuer.unwrap_or(config.totp_issuer.clone());
        config.password_hash_concurrency =
            password_hash_concurrency.unwrap_or(config.password_hash_concurrency);
        config.trust_forwarded_for = trust_forwarded_for.unwrap_or(config.trust_forwarded_for);
        if let Some(millis) = settings_cache_millis {
            config.settings_cache = Duration::from_millis(millis);
        }
        if let Some(delivery) = delivery {
            config.delivery = delivery;
        }
        if let Some(http) = http {
            http.apply(&mut config.http);
        }
    }
}

impl Config {
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("twofold.db").display()
            )
        })
    }

    pub fn master_key_path(&self) -> PathBuf {
        self.master_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("master.key"))
    }
}
