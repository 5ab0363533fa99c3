//! HTTP plumbing: extractors, problem responses, rendering, the router.

pub mod auth;
pub mod bare_errors;
pub mod cors;
pub mod headers;
pub mod json;
pub mod limits;
pub mod listener;
pub mod present;
pub mod problem;
pub mod router;
