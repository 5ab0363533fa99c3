//! Start-up: keys, store, default tenant, first admin token; then serve until told to stop.

use std::sync::{Arc, OnceLock};

use tokio::net::TcpListener;
use twofold_core::UnixTime;
use twofold_core::secrets::{MasterKey, SecretString};
use twofold_core::settings::LoginSettings;
use twofold_store::{Backend, Store, StoreOptions};

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::delivery::Senders;
use crate::error::Error;
use crate::flows::factors::push::waiters::PushWaiters;
use crate::flows::tokens;
use crate::http::router::{metrics_router, router};
use crate::http::{cors, listener};
use crate::keys;
use crate::metrics::Metrics;
use crate::oidc;
use crate::password_hasher::PasswordHasher;
use crate::random::{OsRandom, Random};
use crate::relying_party;
use crate::state::{AppState, DEFAULT_TENANT, Inner, SettingsCache};

/// A prepared server: state ready, and the admin token if this start created the tenant.
pub struct Prepared {
    pub state: AppState,
    pub first_admin_token: Option<SecretString>,
}

pub async fn open_store(config: &Config) -> Result<Arc<dyn Store>, Error> {
    let url = config.database_url();
    if Backend::of_url(&url)? == Backend::Sqlite {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            Error::Internal(format!(
                "cannot create data directory {}: {e}",
                config.data_dir.display()
            ))
        })?;
    }
    let options = StoreOptions {
        url,
        max_connections: config.database_max_connections,
        schema: config.database_schema.clone(),
    };
    Ok(twofold_store::open(&options).await?)
}

pub fn master_key(config: &Config, random: &dyn Random) -> Result<MasterKey, Error> {
    match &config.master_key {
        Some(encoded) => keys::parse_master_key(encoded),
        None => keys::load_or_create(&config.master_key_path(), random),
    }
}

/// The public URL as the issuer: absolute http(s), no query or fragment, no trailing slash.
fn checked_public_url(raw: &str) -> Result<String, Error> {
    let bad = |why: &str| Error::InvalidRequest(format!("public_url `{raw}`: {why}"));
    let url = url::Url::parse(raw).map_err(|_| bad("not a URL"))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(bad("must be an http(s) URL with a host"));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(bad("must not have a query, fragment or user info"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

pub async fn prepare(config: &Config) -> Result<Prepared, Error> {
    prepare_with_clock(config, Arc::new(SystemClock)).await
}

/// As [`prepare`], with the clock given: tests move time instead of waiting for it.
pub async fn prepare_with_clock(config: &Config, clock: Arc<dyn Clock>) -> Result<Prepared, Error> {
    let random: Arc<dyn Random> = Arc::new(OsRandom);
    let senders = Senders::from_config(&config.delivery)?;
    if config.delivery.dev_mode {
        tracing::warn!("dev mode: codes without a configured transport are written to this log");
    }
    // The store first: a bad database URL should leave no key file behind.
    let store = open_store(config).await?;
    let key = master_key(config, random.as_ref())?;
    let passwords = PasswordHasher::new(config.password_hash_concurrency, random.as_ref())?;
    let state = AppState(Arc::new(Inner {
        store,
        settings_cache: SettingsCache::new(config.settings_cache),
        metrics: Metrics::default(),
        sealing: key.sealing_key(),
        hashing: key.hashing_key(),
        altcha: key.altcha_key(),
        clock,
        random,
        passwords,
        senders,
        totp_issuer: config.totp_issuer.clone(),
        trust_forwarded_for: config.trust_forwarded_for,
        public_url: OnceLock::new(),
        relying_party: OnceLock::new(),
        http: config.http.clone(),
        cors_origins: cors::origins(&config.http.cors_origins)?,
        // Waiting on a push holds a connection: at most a quarter of them may wait.
        push_waiters: PushWaiters::new(config.http.max_connections / 4),
    }));
    if let Some(url) = &config.public_url {
        let _ = state.public_url.set(checked_public_url(url)?);
    }
    let explicit = config.webauthn_rp_id.is_some() || !config.webauthn_origins.is_empty();
    if explicit || config.public_url.is_some() {
        let rp = relying_party::from_config(
            config.webauthn_rp_id.as_deref(),
            &config.webauthn_origins,
            state.public_url.get().map(String::as_str),
        )?;
        let _ = state.relying_party.set(rp);
    }
    let now = state.clock.now();
    let created = state
        .store
        .ensure_tenant(DEFAULT_TENANT, "Default", &LoginSettings::default(), now)
        .await?;
    // A signing key from the start, so the JWKS never answers empty.
    oidc::keys::active(&state, DEFAULT_TENANT, now).await?;
    let first_admin_token = match created {
        true => Some(
            tokens::create_admin_token(&state, DEFAULT_TENANT, Some("first start".to_owned()), now)
                .await?
                .1,
        ),
        false => None,
    };
    Ok(Prepared {
        state,
        first_admin_token,
    })
}

pub async fn create_admin_token(config: &Config) -> Result<SecretString, Error> {
    let prepared = prepare(config).await?;
    let now: UnixTime = prepared.state.clock.now();
    let name = Some("command line".to_owned());
    let (_, token) = tokens::create_admin_token(&prepared.state, DEFAULT_TENANT, name, now).await?;
    Ok(token)
}

pub async fn bind(config: &Config) -> Result<TcpListener, Error> {
    TcpListener::bind(config.listen)
        .await
        .map_err(|e| Error::Unavailable(format!("cannot listen on {}: {e}", config.listen)))
}

/// Serves on `listener` until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    if let Ok(addr) = listener.local_addr() {
        // No public URL configured: people reach this server on localhost at its port.
        let _ = state
            .public_url
            .set(format!("http://localhost:{}", addr.port()));
        if state.relying_party.get().is_none() {
            let url = state.issuer();
            let _ = state
                .relying_party
                .set(relying_party::from_config(None, &[], Some(url))?);
        }
    }
    let limits = state.http.clone();
    listener::serve(listener, router(state), &limits, shutdown).await;
    Ok(())
}

/// Binds the metrics address, if one is configured.
pub async fn bind_metrics(config: &Config) -> Result<Option<TcpListener>, Error> {
    let Some(address) = config.http.metrics_listen else {
        return Ok(None);
    };
    let listener = TcpListener::bind(address)
        .await
        .map_err(|e| Error::Unavailable(format!("cannot listen on {address} for metrics: {e}")))?;
    Ok(Some(listener))
}

/// Serves `/metrics` alone on `listener` (an address of its own, for the scraper only: the
/// counts say what happens on the server, which the public has no need to know).
pub async fn serve_metrics(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    let limits = state.http.clone();
    listener::serve(listener, metrics_router(state), &limits, shutdown).await;
}

#[cfg(test)]
mod tests {
    use super::checked_public_url;

    #[test]
    fn a_public_url_becomes_an_issuer_or_is_refused_at_start() {
        assert_eq!(
            checked_public_url("https://id.example.com/").unwrap(),
            "https://id.example.com"
        );
        assert_eq!(
            checked_public_url("https://example.com/auth").unwrap(),
            "https://example.com/auth"
        );
        for bad in [
            "id.example.com",
            "ftp://id.example.com",
            "https://id.example.com/?x=1",
            "https://id.example.com/#f",
            "https://user@id.example.com",
        ] {
            assert!(checked_public_url(bad).is_err(), "{bad}");
        }
    }
}
