//! HTTP plumbing: extractors, problem responses, rendering, the router.

pub mod auth;
pub mod json;
pub mod present;
pub mod problem;
pub mod router;
