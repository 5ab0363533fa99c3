//! Auth requests as a login UI holds them: live or not, bound to the session started for them,
//! and the session that may answer one.

use serde_json::json;
use twofold_core::app::App;
use twofold_core::authorize::AuthRequest;
use twofold_core::event::EventType;
use twofold_core::secrets::SecretString;
use twofold_core::session::Session;

use super::{Ctx, events, tokens};
use crate::error::Error;
use crate::state::Inner;

/// A live auth request of the tenant; expired or answered ones are told apart for the UI.
pub async fn live_request(state: &Inner, ctx: &Ctx, id: &str) -> Result<AuthRequest, Error> {
    let request = match id.len() {
        1..=64 => state.store.auth_request(id).await?,
        _ => None,
    }
    .filter(|r| r.tenant_id == ctx.tenant_id)
    .ok_or(Error::NotFound("auth request"))?;
    if request.consumed_at.is_some() {
        return Err(Error::Conflict(
            "this auth request was already answered; start again at /oauth/authorize".to_owned(),
        ));
    }
    if request.is_expired(ctx.now) {
        return Err(Error::InvalidRequest(
            "this auth request has expired; start again at /oauth/authorize".to_owned(),
        ));
    }
    Ok(request)
}

/// The app a request is for.
pub async fn app_of(state: &Inner, ctx: &Ctx, request: &AuthRequest) -> Result<App, Error> {
    state
        .store
        .app(&ctx.tenant_id, &request.request.client_id)
        .await?
        .ok_or(Error::NotFound("app"))
}

const TAKEN: &str = "this auth request belongs to another session; delete that session to start \
     over with a new one";

/// Refuses a request bound to a session that still exists, before a new session is made for it.
pub async fn ensure_unbound(state: &Inner, request: &AuthRequest) -> Result<(), Error> {
    match &request.session_id {
        Some(bound) if state.store.session(bound).await?.is_some() => {
            Err(Error::Conflict(TAKEN.to_owned()))
        }
        _ => Ok(()),
    }
}

/// Binds the request to the session a login UI started for it. Should another session have
/// taken it meanwhile, the new session is deleted again: nobody would ever hold its token.
pub async fn bind(
    state: &Inner,
    ctx: &Ctx,
    request: &AuthRequest,
    session: &Session,
) -> Result<(), Error> {
    if !state
        .store
        .bind_auth_request(&request.id, &session.id, ctx.now)
        .await?
    {
        state.store.delete_session(&session.id).await?;
        return Err(Error::Conflict(TAKEN.to_owned()));
    }
    let ctx = Ctx {
        session_id: Some(session.id.clone()),
        ..ctx.clone()
    };
    let detail = json!({"auth_request_id": request.id, "client_id": request.request.client_id});
    events::record(
        state,
        &ctx,
        EventType::AuthRequestBound,
        session.user_id.as_deref(),
        detail,
    )
    .await
}

/// The session presented for `request`, authenticated by its current token. A session bound to
/// another request's client, or a request bound to another session, is refused.
pub async fn session_for(
    state: &Inner,
    ctx: &Ctx,
    request: &AuthRequest,
    session_id: &str,
    token: &SecretString,
) -> Result<Session, Error> {
    let (session, current) = state
        .store
        .session(session_id)
        .await?
        .ok_or(Error::Unauthorized)?;
    if !current.matches(&tokens::session_token_hash(state, token))
        || session.is_expired(ctx.now)
        || session.tenant_id != ctx.tenant_id
    {
        return Err(Error::Unauthorized);
    }
    if let Some(why) = request.refusal_for(&session) {
        return Err(Error::Forbidden(why.to_owned()));
    }
    Ok(session)
}
