//! What every request can reach: the store, keys, clock, randomness and the password hasher.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use twofold_core::capabilities::Capabilities;
use twofold_core::secrets::{HashingKey, SealingKey};
use twofold_core::settings::LoginSettings;
use twofold_store::Store;

use axum::http::HeaderValue;

use crate::clock::Clock;
use crate::config::HttpConfig;
use crate::delivery::Senders;
use crate::error::Error;
use crate::metrics::Metrics;
use crate::password_hasher::PasswordHasher;
use crate::random::Random;
use crate::relying_party::{self, RelyingParty};

/// The tenant a fresh install creates; the only one until tenants are managed over the API.
pub const DEFAULT_TENANT: &str = "default";

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

pub struct Inner {
    pub store: Arc<dyn Store>,
    pub settings_cache: SettingsCache,
    pub metrics: Metrics,
    pub sealing: SealingKey,
    pub hashing: HashingKey,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn Random>,
    pub passwords: PasswordHasher,
    pub senders: Senders,
    pub totp_issuer: String,
    pub trust_forwarded_for: bool,
    /// The URL people reach the server at: the OIDC issuer. Set from `public_url`, or from the
    /// listening port once bound.
    pub public_url: OnceLock<String>,
    /// The WebAuthn relying party, once known (with the public URL); `None` when it cannot be.
    pub relying_party: OnceLock<Option<RelyingParty>>,
    /// Connection limits and the metrics address.
    pub http: HttpConfig,
    /// The origins CORS admits, checked at start.
    pub cors_origins: Vec<HeaderValue>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl Inner {
    /// The WebAuthn relying party, or what to configure for one.
    pub fn relying_party(&self) -> Result<&RelyingParty, Error> {
        self.relying_party
            .get()
            .and_then(Option::as_ref)
            .ok_or_else(|| Error::NotConfigured(relying_party::HOW_TO_CONFIGURE.to_owned()))
    }

    /// What this server can run: the transports configured, and whether WebAuthn has a relying
    /// party. The domain offers and enables only these.
    pub fn capabilities(&self) -> Capabilities {
        let (email, sms) = self.senders.describe();
        Capabilities {
            sms,
            email,
            webauthn: self.relying_party().is_ok(),
        }
    }

    /// The OIDC issuer, without a trailing slash.
    pub fn issuer(&self) -> &str {
        self.public_url
            .get()
            .map_or("http://localhost", String::as_str)
    }

    /// The tenant's login settings, read at most once a second per node: every request needs
    /// them, and they change rarely. A change made on this node is seen at once; one made on
    /// another node within a second.
    pub async fn settings(&self, tenant_id: &str) -> Result<LoginSettings, Error> {
        let now = self.clock.now_millis();
        if let Some(settings) = self.settings_cache.fresh(tenant_id, now) {
            return Ok(settings);
        }
        let settings = self
            .store
            .tenant_settings(tenant_id)
            .await?
            .ok_or(Error::NotFound("tenant"))?;
        self.settings_cache.put(tenant_id, settings.clone(), now);
        Ok(settings)
    }
}

const SETTINGS_TTL_MILLIS: u64 = 1000;

#[derive(Default)]
pub struct SettingsCache(Mutex<HashMap<String, (LoginSettings, u64)>>);

impl SettingsCache {
    fn fresh(&self, tenant_id: &str, now_millis: u64) -> Option<LoginSettings> {
        let cache = self.0.lock().ok()?;
        let (settings, read_at) = cache.get(tenant_id)?;
        (now_millis.saturating_sub(*read_at) < SETTINGS_TTL_MILLIS).then(|| settings.clone())
    }

    pub fn put(&self, tenant_id: &str, settings: LoginSettings, now_millis: u64) {
        if let Ok(mut cache) = self.0.lock() {
            cache.insert(tenant_id.to_owned(), (settings, now_millis));
        }
    }

    /// Drops what is cached, so the next request reads the store: after a change, which of two
    /// racing saves committed last is known only there.
    pub fn forget(&self, tenant_id: &str) {
        if let Ok(mut cache) = self.0.lock() {
            cache.remove(tenant_id);
        }
    }
}
