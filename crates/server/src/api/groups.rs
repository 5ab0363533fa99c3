//! Groups and their members (admin token).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use twofold_core::groups::{Group, GroupMfa};

use super::{created, ctx, ok};
use crate::error::Error;
use crate::flows::groups::{self, GroupChange, NewGroup};
use crate::http::auth::{Admin, ClientIp, RequestTime};
use crate::http::json::{ApiJson, ApiPath, ApiQuery};
use crate::http::present::rfc3339;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    name: String,
    #[serde(default)]
    mfa: GroupMfa,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchBody {
    name: Option<String>,
    mfa: Option<GroupMfa>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    after: Option<String>,
    limit: Option<u32>,
}

pub fn render(group: &Group) -> Value {
    json!({
        "id": group.id,
        "name": group.name,
        "mfa": group.mfa,
        "created_at": rfc3339(group.created_at),
        "updated_at": rfc3339(group.updated_at),
    })
}

pub async fn create(
    State(state): State<AppState>,
    admin: Admin,
    ip: ClientIp,
    at: RequestTime,
    ApiJson(body): ApiJson<CreateBody>,
) -> Result<Response, Error> {
    let ctx = ctx(&admin.tenant_id, ip, at);
    let new = NewGroup {
        name: body.name,
        mfa: body.mfa,
    };
    Ok(created(render(&groups::create(&state, &ctx, new).await?)))
}

/// The tenant's groups in name order, `next_cursor` while there may be more.
pub async fn list(
    State(state): State<AppState>,
    admin: Admin,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Response, Error> {
    let page = groups::list(
        &state,
        &admin.tenant_id,
        params.after.as_deref(),
        params.limit,
    )
    .await?;
    let found: Vec<Value> = page.groups.iter().map(render).collect();
    Ok(ok(
        json!({"groups": found, "next_cursor": page.next_cursor}),
    ))
}

pub async fn get(
    State(state): State<AppState>,
    admin: Admin,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, Error> {
    Ok(ok(render(
        &groups::get(&state, &admin.tenant_id, &id).await?,
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
    let change = GroupChange {
        name: body.name,
        mfa: body.mfa,
    };
    Ok(ok(render(
        &groups::update(&state, &ctx, &id, change).await?,
    )))
}

pub async fn delete(
    State(state): State<AppState>,
    admin: Admin,
    ip: ClientIp,
    at: RequestTime,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, Error> {
    groups::delete(&state, &ctx(&admin.tenant_id, ip, at), &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn add_member(
    State(state): State<AppState>,
    admin: Admin,
    ip: ClientIp,
    at: RequestTime,
    ApiPath((id, user_id)): ApiPath<(String, String)>,
) -> Result<Response, Error> {
    groups::add_member(&state, &ctx(&admin.tenant_id, ip, at), &id, &user_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn remove_member(
    State(state): State<AppState>,
    admin: Admin,
    ip: ClientIp,
    at: RequestTime,
    ApiPath((id, user_id)): ApiPath<(String, String)>,
) -> Result<Response, Error> {
    groups::remove_member(&state, &ctx(&admin.tenant_id, ip, at), &id, &user_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /v1/users/{id}/groups`: the groups the user is a member of.
pub async fn of_user(
    State(state): State<AppState>,
    admin: Admin,
    ApiPath(user_id): ApiPath<String>,
) -> Result<Response, Error> {
    let found = groups::of_user(&state, &admin.tenant_id, &user_id).await?;
    Ok(ok(
        json!({"groups": found.iter().map(render).collect::<Vec<_>>()}),
    ))
}
