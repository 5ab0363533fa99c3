use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use twofold_core::admin_token::AdminToken;

use super::{created, ctx, ok};
use crate::error::Error;
use crate::flows::admin_tokens;
use crate::http::auth::{Admin, ClientIp, RequestTime};
use crate::http::json::{ApiJson, ApiPath};
use crate::http::present::rfc3339;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    name: Option<String>,
}

/// Never the token or its hash: an id, a name and times. `current` marks the caller's own.
fn present(token: &AdminToken, caller: &Admin) -> Value {
    json!({
        "id": token.id,
        "name": token.name,
        "created_at": rfc3339(token.created_at),
        "last_used_at": token.last_used_at.map(rfc3339),
        "current": token.id == caller.token_id,
    })
}

pub async fn list(State(state): State<AppState>, admin: Admin) -> Result<Response, Error> {
    let tokens: Vec<Value> = admin_tokens::list(&state, &admin.tenant_id)
        .await?
        .iter()
        .map(|t| present(t, &admin))
        .collect();
    Ok(ok(json!({ "tokens": tokens })))
}

/// 201 with the token, shown this once (never cached: every API answer is `no-store`).
pub async fn create(
    State(state): State<AppState>,
    admin: Admin,
    ip: ClientIp,
    at: RequestTime,
    ApiJson(body): ApiJson<CreateBody>,
) -> Result<Response, Error> {
    let ctx = ctx(&admin.tenant_id, ip, at);
    let (token, secret) = admin_tokens::create(&state, &ctx, body.name.as_deref()).await?;
    let mut shown = present(&token, &admin);
    shown["token"] = json!(secret.expose());
    Ok(created(shown))
}

pub async fn revoke(
    State(state): State<AppState>,
    admin: Admin,
    ip: ClientIp,
    at: RequestTime,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, Error> {
    admin_tokens::revoke(&state, &ctx(&admin.tenant_id, ip, at), &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
