use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::ok;
use crate::error::Error;
use crate::state::AppState;

/// The process answers.
pub async fn healthz() -> Response {
    ok(json!({"status": "ok"}))
}

/// The database answers too.
pub async fn readyz(State(state): State<AppState>) -> Result<Response, Error> {
    state.store.ping().await?;
    Ok(ok(json!({"status": "ready"})))
}
