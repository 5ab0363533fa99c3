//! A user's authenticators: list, enrol (TOTP, backup codes), remove.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use twofold_core::Factor;
use twofold_core::factor_change::FactorChange;
use twofold_core::secrets::SecretString;

use super::{created, ctx, ok};
use crate::error::Error;
use crate::flows::enrolment;
use crate::flows::factors::{backup_codes, totp};
use crate::http::auth::{Caller, ClientIp, RequestTime};
use crate::http::json::{ApiJson, ApiPath};
use crate::http::present;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TotpStartBody {
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TotpVerifyBody {
    authenticator_id: Option<String>,
    code: SecretString,
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    at: RequestTime,
    ApiPath(user_id): ApiPath<String>,
) -> Result<Response, Error> {
    let ctx = ctx(caller.tenant_id(), ip, at);
    let (user, _) =
        enrolment::authorize(&state, &ctx, &caller, &user_id, FactorChange::Manage).await?;
    let found = state.store.authenticators_of(&user.id).await?;
    Ok(ok(json!(
        found.iter().map(present::authenticator).collect::<Vec<_>>()
    )))
}

pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    at: RequestTime,
    ApiPath((user_id, authenticator_id)): ApiPath<(String, String)>,
) -> Result<Response, Error> {
    let ctx = ctx(caller.tenant_id(), ip, at);
    let (user, _) =
        enrolment::authorize(&state, &ctx, &caller, &user_id, FactorChange::Manage).await?;
    enrolment::remove(&state, &ctx, &user, &authenticator_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenameBody {
    name: String,
}

pub async fn rename(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    at: RequestTime,
    ApiPath((user_id, authenticator_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<RenameBody>,
) -> Result<Response, Error> {
    let ctx = ctx(caller.tenant_id(), ip, at);
    let (user, _) =
        enrolment::authorize(&state, &ctx, &caller, &user_id, FactorChange::Manage).await?;
    let renamed = enrolment::rename(&state, &ctx, &user, &authenticator_id, &body.name).await?;
    Ok(ok(present::authenticator(&renamed)))
}

pub async fn start_totp(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    at: RequestTime,
    ApiPath(user_id): ApiPath<String>,
    ApiJson(body): ApiJson<TotpStartBody>,
) -> Result<Response, Error> {
    let ctx = ctx(caller.tenant_id(), ip, at);
    let (user, _) = enrolment::authorize(
        &state,
        &ctx,
        &caller,
        &user_id,
        FactorChange::SetUp(Factor::Totp),
    )
    .await?;
    let started = totp::start_totp(&state, &ctx, &user, body.name.as_deref()).await?;
    Ok(created(json!({
        "authenticator_id": started.authenticator.id,
        "name": started.authenticator.name,
        "state": started.authenticator.state.as_str(),
        "secret": started.secret,
        "uri": started.uri,
        "qr_svg": started.qr_svg,
    })))
}

pub async fn verify_totp(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    at: RequestTime,
    ApiPath(user_id): ApiPath<String>,
    ApiJson(body): ApiJson<TotpVerifyBody>,
) -> Result<Response, Error> {
    let ctx = ctx(caller.tenant_id(), ip, at);
    let (user, session) = enrolment::authorize(
        &state,
        &ctx,
        &caller,
        &user_id,
        FactorChange::SetUp(Factor::Totp),
    )
    .await?;
    let (authenticator, token) = totp::verify_totp(
        &state,
        &ctx,
        &user,
        session.as_ref(),
        body.authenticator_id.as_deref(),
        &body.code,
    )
    .await?;
    let mut rendered = present::authenticator(&authenticator);
    if let Some(token) = token {
        rendered["session_token"] = json!(token.expose());
    }
    Ok(ok(rendered))
}

pub async fn new_backup_codes(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    at: RequestTime,
    ApiPath(user_id): ApiPath<String>,
) -> Result<Response, Error> {
    let ctx = ctx(caller.tenant_id(), ip, at);
    let (user, _) = enrolment::authorize(
        &state,
        &ctx,
        &caller,
        &user_id,
        FactorChange::SetUp(Factor::BackupCode),
    )
    .await?;
    let codes = backup_codes::new_backup_codes(&state, &ctx, &user).await?;
    Ok(created(json!({"codes": codes})))
}
