//! `GET /v1/sign-in-methods?login_name=…`: public, for a login screen deciding what to ask.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{ctx, ok};
use crate::error::Error;
use crate::flows::sign_in_methods;
use crate::http::auth::{ClientIp, RequestTime};
use crate::http::json::ApiQuery;
use crate::state::{AppState, DEFAULT_TENANT};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    login_name: String,
}

pub async fn get(
    State(state): State<AppState>,
    ip: ClientIp,
    at: RequestTime,
    ApiQuery(params): ApiQuery<Params>,
) -> Result<Response, Error> {
    let ctx = ctx(DEFAULT_TENANT, ip, at);
    let methods = sign_in_methods::methods(&state, &ctx, &params.login_name).await?;
    Ok(ok(json!({"first_factors": methods.first_factors})))
}
