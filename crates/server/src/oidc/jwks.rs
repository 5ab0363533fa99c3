//! `GET /oauth/jwks` — the public keys tokens are signed with.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::keys;
use crate::error::Error;
use crate::http::auth::RequestTime;
use crate::state::{AppState, DEFAULT_TENANT};

pub async fn jwks(
    State(state): State<AppState>,
    RequestTime(now): RequestTime,
) -> Result<Response, Error> {
    let set = keys::published(&state, DEFAULT_TENANT, now).await?;
    // Relying parties may cache briefly; a rotation keeps the old key published long enough.
    Ok((
        [(header::CACHE_CONTROL, "public, max-age=300")],
        axum::Json(set),
    )
        .into_response())
}
