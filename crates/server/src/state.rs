//! What every request can reach: the store, keys, clock, randomness and the password hasher.

use std::sync::Arc;

use twofold_core::secrets::{HashingKey, SealingKey};
use twofold_core::settings::LoginSettings;
use twofold_store::Store;

use crate::clock::Clock;
use crate::error::Error;
use crate::password_hasher::PasswordHasher;
use crate::random::Random;

/// The tenant a fresh install creates; the only one until tenants are managed over the API.
pub const DEFAULT_TENANT: &str = "default";

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

pub struct Inner {
    pub store: Arc<dyn Store>,
    pub sealing: SealingKey,
    pub hashing: HashingKey,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn Random>,
    pub passwords: PasswordHasher,
    pub totp_issuer: String,
    pub trust_forwarded_for: bool,
}

impl std::ops::Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl Inner {
    pub async fn settings(&self, tenant_id: &str) -> Result<LoginSettings, Error> {
        self.store
            .tenant_settings(tenant_id)
            .await?
            .ok_or(Error::NotFound("tenant"))
    }
}
