//! Signing keys (admin token): rotation.

use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::{created, ctx};
use crate::error::Error;
use crate::http::auth::{Admin, ClientIp, RequestTime};
use crate::http::present::rfc3339;
use crate::oidc::keys;
use crate::state::AppState;

/// A new signing key takes over; the old one stays published until its tokens expire.
pub async fn rotate(
    State(state): State<AppState>,
    admin: Admin,
    ip: ClientIp,
    at: RequestTime,
) -> Result<Response, Error> {
    let key = keys::rotate(&state, &ctx(&admin.tenant_id, ip, at)).await?;
    Ok(created(
        json!({"kid": key.kid, "alg": key.alg, "created_at": rfc3339(key.created_at)}),
    ))
}
