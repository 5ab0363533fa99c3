//! The JSON API of API.md: one file per resource; handlers parse, call a flow, render.

pub mod admin_tokens;
pub mod apps;
pub mod auth_requests;
pub mod authenticators;
pub mod contacts;
pub mod devices;
pub mod events;
pub mod groups;
pub mod health;
pub mod push;
pub mod security_questions;
pub mod session_input;
pub mod sessions;
pub mod settings;
pub mod sign_in_methods;
pub mod signing_keys;
pub mod users;
pub mod webauthn;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::flows::Ctx;
use crate::http::auth::{ClientIp, RequestTime};

/// The flow's context: the tenant acted in, and when and from where the request came.
pub fn ctx(tenant_id: &str, ip: ClientIp, at: RequestTime) -> Ctx {
    Ctx {
        tenant_id: tenant_id.to_owned(),
        now: at.0,
        ip: ip.0,
        session_id: None,
        admin: false,
    }
}

pub fn created(body: impl Serialize) -> Response {
    (StatusCode::CREATED, axum::Json(body)).into_response()
}

pub fn ok(body: impl Serialize) -> Response {
    axum::Json(body).into_response()
}
