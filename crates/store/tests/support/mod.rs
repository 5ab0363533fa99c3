//! Shared by the store's test files: a fresh, migrated store per backend.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(
    clippy::disallowed_methods,
    reason = "names unique per run from the wall clock"
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::json;
use twofold_core::authenticator::{Authenticator, AuthenticatorState};
use twofold_core::lockout::Counter;
use twofold_core::settings::LoginSettings;
use twofold_core::user::User;
use twofold_core::{Factor, UnixTime};
use twofold_store::{Store, StoreOptions};

pub const TENANT: &str = "default";
static COUNTER: AtomicU64 = AtomicU64::new(0);

pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{prefix}_{}_{nanos}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A fresh, migrated store per backend, with the default tenant.
pub async fn stores() -> Vec<Arc<dyn Store>> {
    let dir = std::env::temp_dir().join(unique("twofold_contract"));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = StoreOptions {
        url: format!("sqlite://{}?mode=rwc", dir.join("store.db").display()),
        max_connections: 8,
        schema: None,
    };
    let mut options = vec![sqlite];
    match std::env::var("TWOFOLD_TEST_DATABASE_URL") {
        Ok(url) => options.push(StoreOptions {
            url,
            max_connections: 8,
            schema: Some(unique("contract")),
        }),
        Err(_) => {
            eprintln!("skipped: TWOFOLD_TEST_DATABASE_URL not set; PostgreSQL is not tested here")
        }
    }
    let mut stores: Vec<Arc<dyn Store>> = Vec::new();
    for option in options {
        let store = twofold_store::open(&option).await.unwrap();
        store
            .ensure_tenant(TENANT, "Default", &LoginSettings::default(), UnixTime(0))
            .await
            .unwrap();
        stores.push(store);
    }
    stores
}

pub fn user(id: &str, username: &str) -> User {
    User {
        id: id.to_owned(),
        tenant_id: TENANT.to_owned(),
        username: username.to_owned(),
        email: Some(format!("{username}@example.com")),
        email_verified: false,
        phone: None,
        phone_verified: false,
        language: None,
        password_hash: None,
        mfa_enabled: false,
        required_factors: vec![],
        second_factor: Counter::default(),
        password: Counter::default(),
        created_at: UnixTime(1),
        updated_at: UnixTime(1),
    }
}

pub fn totp(id: &str, user_id: &str, state: AuthenticatorState) -> Authenticator {
    Authenticator {
        id: id.to_owned(),
        user_id: user_id.to_owned(),
        factor: Factor::Totp,
        name: id.to_owned(),
        state,
        sealed_secret: Some(vec![1, 2, 3]),
        params: json!({"digits": 6}),
        last_step: None,
        created_at: UnixTime(2),
        last_used_at: None,
    }
}
