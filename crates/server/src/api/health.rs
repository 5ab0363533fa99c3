use axum::extract::State;
use axum::response::{IntoResponse, Response};
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

/// Prometheus text format; counters of this node since it started.
pub async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        state.metrics.render(),
    )
        .into_response()
}
