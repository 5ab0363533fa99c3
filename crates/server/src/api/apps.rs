//! OAuth clients (admin token).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use twofold_core::app::{App, AppMfa};
use twofold_core::secrets::SecretString;

use super::{created, ctx, ok};
use crate::error::Error;
use crate::flows::apps::{self, AppChange, NewApp};
use crate::http::auth::{Admin, ClientIp, RequestTime};
use crate::http::json::{ApiJson, ApiPath, present_value};
use crate::http::present::rfc3339;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    name: String,
    redirect_uris: Vec<String>,
    #[serde(default)]
    public: bool,
    login_url: Option<String>,
    #[serde(default)]
    mfa: AppMfa,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchBody {
    name: Option<String>,
    redirect_uris: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present_value")]
    login_url: Option<Option<String>>,
    mfa: Option<AppMfa>,
    #[serde(default)]
    rotate_secret: bool,
}

fn render(app: &App, secret: Option<&SecretString>) -> Value {
    let mut body = json!({
        "client_id": app.client_id,
        "name": app.name,
        "public": app.public,
        "redirect_uris": app.redirect_uris,
        "login_url": app.login_url,
        "mfa": app.mfa,
        "created_at": rfc3339(app.created_at),
        "updated_at": rfc3339(app.updated_at),
    });
    if let Some(secret) = secret {
        body["client_secret"] = json!(secret.expose());
    }
    body
}

pub async fn create(
    State(state): State<AppState>,
    admin: Admin,
    ip: ClientIp,
    at: RequestTime,
    ApiJson(body): ApiJson<CreateBody>,
) -> Result<Response, Error> {
    let ctx = ctx(&admin.tenant_id, ip, at);
    let new = NewApp {
        name: body.name,
        redirect_uris: body.redirect_uris,
        public: body.public,
        login_url: body.login_url,
        mfa: body.mfa,
    };
    let (app, secret) = apps::create(&state, &ctx, new).await?;
    Ok(created(render(&app, secret.as_ref())))
}

pub async fn list(State(state): State<AppState>, admin: Admin) -> Result<Response, Error> {
    let found = state.store.apps(&admin.tenant_id).await?;
    Ok(ok(json!(
        found.iter().map(|a| render(a, None)).collect::<Vec<_>>()
    )))
}

pub async fn get(
    State(state): State<AppState>,
    admin: Admin,
    ApiPath(client_id): ApiPath<String>,
) -> Result<Response, Error> {
    Ok(ok(render(
        &apps::get(&state, &admin.tenant_id, &client_id).await?,
        None,
    )))
}

pub async fn patch(
    State(state): State<AppState>,
    admin: Admin,
    ip: ClientIp,
    at: RequestTime,
    ApiPath(client_id): ApiPath<String>,
    ApiJson(body): ApiJson<PatchBody>,
) -> Result<Response, Error> {
    let ctx = ctx(&admin.tenant_id, ip, at);
    let change = AppChange {
        name: body.name,
        redirect_uris: body.redirect_uris,
        login_url: body.login_url,
        mfa: body.mfa,
        rotate_secret: body.rotate_secret,
    };
    let (app, secret) = apps::update(&state, &ctx, &client_id, change).await?;
    Ok(ok(render(&app, secret.as_ref())))
}

pub async fn delete(
    State(state): State<AppState>,
    admin: Admin,
    ip: ClientIp,
    at: RequestTime,
    ApiPath(client_id): ApiPath<String>,
) -> Result<Response, Error> {
    apps::delete(&state, &ctx(&admin.tenant_id, ip, at), &client_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
