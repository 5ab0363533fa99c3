//! A user's devices: list them, and revoke one (its trust and its memory of second factors go).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use twofold_core::factor_change::FactorChange;

use super::{ctx, ok};
use crate::error::Error;
use crate::flows::devices;
use crate::flows::enrolment;
use crate::http::auth::{Caller, ClientIp, RequestTime};
use crate::http::json::ApiPath;
use crate::http::present;
use crate::state::AppState;

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    at: RequestTime,
    ApiPath(user_id): ApiPath<String>,
) -> Result<Response, Error> {
    let ctx = ctx(caller.tenant_id(), ip, at);
    let (user, _) =
        enrolment::authorize(&state, &ctx, &caller, &user_id, FactorChange::Manage).await?;
    let found = devices::list(&state, &user).await?;
    let rendered: Vec<_> = found
        .iter()
        .map(|d| {
            json!({
                "id": d.id,
                "trusted": d.is_trusted(ctx.now),
                "trusted_until": d.trusted_until.filter(|_| d.is_trusted(ctx.now)).map(present::rfc3339),
                "last_second_factor_at": d.last_second_factor_at.map(present::rfc3339),
                "created_at": present::rfc3339(d.created_at),
                "last_seen_at": present::rfc3339(d.last_seen_at),
            })
        })
        .collect();
    Ok(ok(json!({ "devices": rendered })))
}

pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    at: RequestTime,
    ApiPath((user_id, device_id)): ApiPath<(String, String)>,
) -> Result<Response, Error> {
    let ctx = ctx(caller.tenant_id(), ip, at);
    let (user, _) =
        enrolment::authorize(&state, &ctx, &caller, &user_id, FactorChange::Manage).await?;
    devices::revoke(&state, &ctx, &user, &device_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
