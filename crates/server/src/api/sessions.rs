//! Sign-in sessions: public routes, authenticated by the session token (or the admin token).

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use twofold_core::secrets::SecretString;
use twofold_core::session::Session;

use super::{created, ctx, ok};
use crate::error::Error;
use crate::flows::Ctx;
use crate::flows::sign_in::{self, Checks, SessionView};
use crate::http::auth::{self, Caller, ClientIp};
use crate::http::json::ApiJson;
use crate::http::present;
use crate::state::{AppState, DEFAULT_TENANT};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    #[serde(default)]
    checks: Checks,
    challenges: Option<Map<String, Value>>,
    client_id: Option<String>,
    auth_request_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchBody {
    session_token: Option<SecretString>,
    #[serde(default)]
    checks: Checks,
    challenges: Option<Map<String, Value>>,
}

fn refuse_challenges(challenges: Option<&Map<String, Value>>) -> Result<(), Error> {
    match challenges.and_then(|c| c.keys().next()) {
        Some(name) => Err(Error::InvalidRequest(format!(
            "challenges.{name} is not available in this version"
        ))),
        None => Ok(()),
    }
}

fn render(view: &SessionView, token: Option<&SecretString>) -> Value {
    let mut body = json!({
        "session_id": view.session.id,
        "user_id": view.session.user_id,
        "checks": present::checks(&view.session),
        "mfa": present::mfa(&view.info, view.user.as_ref()),
        "challenges": {},
        "expires_at": present::rfc3339(view.session.expires_at),
    });
    if let Some(token) = token {
        body["session_token"] = json!(token.expose());
    }
    body
}

pub async fn create(
    State(state): State<AppState>,
    ip: ClientIp,
    ApiJson(body): ApiJson<CreateBody>,
) -> Result<Response, Error> {
    refuse_challenges(body.challenges.as_ref())?;
    if body.auth_request_id.is_some() {
        return Err(Error::InvalidRequest(
            "auth requests are not available in this version".to_owned(),
        ));
    }
    let ctx = ctx(&state, DEFAULT_TENANT, ip);
    let (view, token) = sign_in::create(&state, &ctx, body.checks, body.client_id).await?;
    Ok(created(render(&view, Some(&token))))
}

pub async fn patch(
    State(state): State<AppState>,
    ip: ClientIp,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<PatchBody>,
) -> Result<Response, Error> {
    refuse_challenges(body.challenges.as_ref())?;
    let token = body
        .session_token
        .or_else(|| auth::bearer(&headers))
        .ok_or(Error::Unauthorized)?;
    let ctx = ctx(&state, DEFAULT_TENANT, ip);
    let (view, token) = sign_in::update(&state, &ctx, &id, &token, body.checks).await?;
    Ok(ok(render(&view, Some(&token))))
}

/// The session `id`, if the caller holds its token or administers its tenant.
async fn visible(state: &AppState, caller: &Caller, id: &str) -> Result<Session, Error> {
    let session = match caller {
        Caller::Session(own) if own.id == id => Some(own.as_ref().clone()),
        Caller::Session(_) => None,
        Caller::Admin { tenant_id } => {
            let found = state.store.session(id).await?.map(|(session, _)| session);
            found.filter(|s| &s.tenant_id == tenant_id && !s.is_expired(state.clock.now()))
        }
    };
    session.ok_or(Error::NotFound("session"))
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let session = visible(&state, &caller, &id).await?;
    let view = sign_in::view(&state, session, state.clock.now()).await?;
    Ok(ok(render(&view, None)))
}

pub async fn mfa(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let session = visible(&state, &caller, &id).await?;
    let view = sign_in::view(&state, session, state.clock.now()).await?;
    Ok(ok(present::mfa(&view.info, view.user.as_ref())))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let session = visible(&state, &caller, &id).await?;
    let ctx = Ctx {
        tenant_id: session.tenant_id.clone(),
        ..ctx(&state, DEFAULT_TENANT, ip)
    };
    sign_in::terminate(&state, &ctx, &session).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
