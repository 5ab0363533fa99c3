use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use twofold_core::Factor;
use twofold_core::secrets::SecretString;

use super::{created, ctx, ok};
use crate::error::Error;
use crate::flows::users::{self, NewUser, UserChange};
use crate::http::auth::{Admin, ClientIp, RequestTime};
use crate::http::json::{ApiJson, ApiPath, ApiQuery, present_value};
use crate::http::present;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    username: String,
    language: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    password: Option<SecretString>,
    #[serde(default)]
    email_verified: bool,
    #[serde(default)]
    phone_verified: bool,
    #[serde(default)]
    mfa_enabled: bool,
    #[serde(default)]
    required_factors: Vec<Factor>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchBody {
    #[serde(default, deserialize_with = "present_value")]
    language: Option<Option<String>>,
    #[serde(default, deserialize_with = "present_value")]
    email: Option<Option<String>>,
    email_verified: Option<bool>,
    #[serde(default, deserialize_with = "present_value")]
    phone: Option<Option<String>>,
    phone_verified: Option<bool>,
    password: Option<SecretString>,
    mfa_enabled: Option<bool>,
    required_factors: Option<Vec<Factor>>,
}

pub async fn create(
    State(state): State<AppState>,
    admin: Admin,
    ip: ClientIp,
    at: RequestTime,
    ApiJson(body): ApiJson<CreateBody>,
) -> Result<Response, Error> {
    let ctx = ctx(&admin.tenant_id, ip, at);
    let new = NewUser {
        username: body.username,
        language: body.language,
        email: body.email,
        email_verified: body.email_verified,
        phone: body.phone,
        phone_verified: body.phone_verified,
        password: body.password,
        mfa_enabled: body.mfa_enabled,
        required_factors: body.required_factors,
    };
    Ok(created(present::user(
        &users::create(&state, &ctx, new).await?,
    )))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    search: Option<String>,
    after: Option<String>,
    limit: Option<u32>,
}

/// The tenant's users in username order, `next_cursor` while there may be more.
pub async fn list(
    State(state): State<AppState>,
    admin: Admin,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Response, Error> {
    let page = users::list(
        &state,
        &admin.tenant_id,
        params.search.as_deref(),
        params.after.as_deref(),
        params.limit,
    )
    .await?;
    let found: Vec<_> = page.users.iter().map(present::user).collect();
    Ok(ok(json!({"users": found, "next_cursor": page.next_cursor})))
}

pub async fn get(
    State(state): State<AppState>,
    admin: Admin,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, Error> {
    Ok(ok(present::user(
        &users::get(&state, &admin.tenant_id, &id).await?,
    )))
}

pub async fn patch(
    State(state): State<AppState>,
    admin: Admin,
    ip: ClientIp,
    at: RequestTime,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<PatchBody>,
) -> Result<Response, Error> {
    let ctx = ctx(&admin.tenant_id, ip, at);
    let change = UserChange {
        language: body.language,
        email: body.email,
        email_verified: body.email_verified,
        phone: body.phone,
        phone_verified: body.phone_verified,
        password: body.password,
        mfa_enabled: body.mfa_enabled,
        required_factors: body.required_factors,
    };
    Ok(ok(present::user(
        &users::update(&state, &ctx, &id, change).await?,
    )))
}

pub async fn delete(
    State(state): State<AppState>,
    admin: Admin,
    ip: ClientIp,
    at: RequestTime,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, Error> {
    users::delete(&state, &ctx(&admin.tenant_id, ip, at), &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn unlock(
    State(state): State<AppState>,
    admin: Admin,
    ip: ClientIp,
    at: RequestTime,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, Error> {
    Ok(ok(present::user(
        &users::unlock(&state, &ctx(&admin.tenant_id, ip, at), &id).await?,
    )))
}
