use axum::extract::State;
use axum::response::Response;
use twofold_core::settings::LoginSettings;

use super::{ctx, ok};
use crate::error::Error;
use crate::flows::settings;
use crate::http::auth::{Admin, ClientIp};
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

/// Replaces the settings; fields left out take their defaults.
pub async fn put_login(
    State(state): State<AppState>,
    admin: Admin,
    ip: ClientIp,
    ApiJson(body): ApiJson<LoginSettings>,
) -> Result<Response, Error> {
    let ctx = ctx(&state, &admin.tenant_id, ip);
    render(&settings::replace(&state, &ctx, body).await?)
}
