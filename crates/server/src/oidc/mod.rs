//! The OpenID Connect provider: signing keys and the endpoints relying parties call.

pub mod authorize;
pub mod jwks;
pub mod keys;
