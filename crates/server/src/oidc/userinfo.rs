//! `GET|POST /oauth/userinfo` — the claims an access token's scope releases, while its grant lives.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::super::api::ctx;
use crate::error::Error;
use crate::flows::oauth;
use crate::http::auth::{self, ClientIp, RequestTime};
use crate::state::{AppState, DEFAULT_TENANT};

pub async fn userinfo(
    State(state): State<AppState>,
    ip: ClientIp,
    at: RequestTime,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let token = auth::bearer(&headers).ok_or(Error::InvalidToken)?;
    let ctx = ctx(DEFAULT_TENANT, ip, at);
    let claims = oauth::userinfo(&state, &ctx, token.expose()).await?;
    Ok(axum::Json(claims).into_response())
}
