use axum::extract::State;
use axum::response::Response;
use serde_json::Value;
use twofold_core::settings::LoginSettings;

use super::{ctx, ok};
use crate::error::Error;
use crate::flows::settings;
use crate::http::auth::{Admin, ClientIp, RequestTime};
use crate::http::json::ApiJson;
use crate::state::AppState;

fn render(settings: &LoginSettings) -> Result<Response, Error> {
    serde_json::to_value(settings)
        .map(ok)
        .map_err(|e| Error::Internal(e.to_string()))
}

pub async fn get_login(State(state): State<AppState>, admin: Admin) -> Result<Response, Error> {
    render(&state.settings(&admin.tenant_id).await?)
}

/// Replaces the settings as a whole. A body that leaves fields out is refused, naming them:
/// nothing is reset by omission (PATCH changes only what it names).
pub async fn put_login(
    State(state): State<AppState>,
    admin: Admin,
    ip: ClientIp,
    at: RequestTime,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, Error> {
    let whole: LoginSettings = serde_json::from_value(body.clone())
        .map_err(|e| Error::InvalidRequest(format!("invalid request body: {e}")))?;
    let missing = LoginSettings::missing_from(&body);
    if !missing.is_empty() {
        return Err(Error::InvalidRequest(format!(
            "PUT replaces the login settings as a whole, and these are missing: {}; \
             use PATCH to change only some",
            missing.join(", ")
        )));
    }
    let ctx = ctx(&admin.tenant_id, ip, at);
    render(&settings::replace(&state, &ctx, whole).await?)
}

/// Changes the settings the body names: a JSON merge patch (RFC 7396), where `null` resets a
/// field to its default. The result is checked as a whole.
pub async fn patch_login(
    State(state): State<AppState>,
    admin: Admin,
    ip: ClientIp,
    at: RequestTime,
    ApiJson(patch): ApiJson<Value>,
) -> Result<Response, Error> {
    let ctx = ctx(&admin.tenant_id, ip, at);
    render(&settings::patch(&state, &ctx, &patch).await?)
}
