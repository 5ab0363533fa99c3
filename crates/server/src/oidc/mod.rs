//! The OpenID Connect provider: signing keys and the endpoints relying parties call.

pub mod authorize;
pub mod discovery;
pub mod jwks;
pub mod jwt;
pub mod keys;
pub mod token;
pub mod userinfo;
