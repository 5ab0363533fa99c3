//! What every request can reach: the store, keys, clock, randomness and the password hasher.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::time::Instant;

use twofold_core::altcha::AltchaKey;
use twofold_core::capabilities::Capabilities;
use twofold_core::secrets::{HashingKey, SealingKey};
use twofold_core::settings::LoginSettings;
use twofold_store::Store;

use axum::http::HeaderValue;

use crate::clock::{self, Clock};
use crate::config::HttpConfig;
use crate::delivery::Senders;
use crate::error::Error;
use crate::flows::factors::push::waiters::PushWaiters;
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
    /// Signs the ALTCHA challenges this server serves (the captcha lockout type).
    pub altcha: AltchaKey,
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
    /// Requests waiting on a push on this node (`checks.push.wait_seconds`).
    pub push_waiters: PushWaiters,
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

    /// The tenant's login settings, read from the store at most once per configured cache
    /// lifetime (`settings_cache_millis`, 1 s by default) on each node: every request needs them,
    /// and they change rarely. A change made on this node is seen at once; one made on another
    /// node within the cache lifetime.
    pub async fn settings(&self, tenant_id: &str) -> Result<LoginSettings, Error> {
        if let Some(settings) = self.settings_cache.fresh(tenant_id) {
            return Ok(settings);
        }
        let read_at = clock::monotonic();
        let settings = self
            .store
            .tenant_settings(tenant_id)
            .await?
            .ok_or(Error::NotFound("tenant"))?;
        self.settings_cache
            .put(tenant_id, settings.clone(), read_at);
        Ok(settings)
    }
}

/// Each tenant's login settings with when they were read (the monotonic clock: a test that
/// freezes the server's time must not freeze the cache too).
pub struct SettingsCache {
    lifetime: Duration,
    entries: Mutex<HashMap<String, (LoginSettings, Instant)>>,
}

impl SettingsCache {
    /// A cache keeping settings for `lifetime`; zero keeps nothing.
    pub fn new(lifetime: Duration) -> SettingsCache {
        SettingsCache {
            lifetime,
            entries: Mutex::default(),
        }
    }

    fn fresh(&self, tenant_id: &str) -> Option<LoginSettings> {
        if self.lifetime.is_zero() {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        let (settings, read_at) = entries.get(tenant_id)?;
        (clock::monotonic().saturating_duration_since(*read_at) < self.lifetime)
            .then(|| settings.clone())
    }

    /// Keeps `settings` as read at `read_at` (taken before the read: a change committed while it
    /// was in flight must not look older than the copy kept).
    fn put(&self, tenant_id: &str, settings: LoginSettings, read_at: Instant) {
        if self.lifetime.is_zero() {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(tenant_id.to_owned(), (settings, read_at));
        }
    }

    /// Drops what is cached, so the next request reads the store: after a change, which of two
    /// racing saves committed last is known only there.
    pub fn forget(&self, tenant_id: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(tenant_id);
        }
    }
}
