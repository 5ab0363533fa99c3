//! The OpenID Connect provider: signing keys and the endpoints relying parties call.

pub mod authorize;
pub mod discovery;
pub mod jwks;
pub use crate::flows::jwt;
pub use crate::flows::signing_keys as keys;
pub mod token;
pub mod userinfo;
