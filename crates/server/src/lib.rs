//! Twofold's server: configuration, state, the flows every front end shares, and the HTTP API.

pub mod api;
pub mod app;
pub mod clock;
pub mod config;
pub mod delivery;
pub mod error;
pub mod flows;
pub mod http;
pub mod keys;
pub mod metrics;
pub mod oidc;
pub mod password_hasher;
pub mod random;
pub mod relying_party;
pub mod state;
pub mod time_text;

pub use config::Config;
pub use error::Error;
