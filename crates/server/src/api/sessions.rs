//! Sign-in sessions: public routes, authenticated by the session token (or the admin token).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use twofold_core::UnixTime;
use twofold_core::challenge::Channel;
use twofold_core::risk::RiskScore;
use twofold_core::secrets::{ADMIN_TOKEN_PREFIX, SecretString};
use twofold_core::session::Session;

use super::session_input::{self, Challenges, Checks};
use super::{created, ctx, ok};
use crate::error::Error;
use crate::flows::Ctx;
use crate::flows::auth_requests;
use crate::flows::factors::push::wait as push_wait;
use crate::flows::factors::security_questions::AskedQuestions;
use crate::flows::factors::webauthn::sign_in::WebauthnIssued;
use crate::flows::setup_skip;
use crate::flows::sign_in::{self, SessionView};
use crate::flows::tokens;
use crate::http::auth::{self, Caller, ClientIp, RequestTime};
use crate::http::json::{ApiJson, ApiPath};
use crate::http::present;
use crate::state::{AppState, DEFAULT_TENANT};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    #[serde(default)]
    checks: Checks,
    #[serde(default)]
    challenges: Challenges,
    client_id: Option<String>,
    auth_request_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchBody {
    session_token: Option<SecretString>,
    #[serde(default)]
    checks: Checks,
    #[serde(default)]
    challenges: Challenges,
}

/// Whether the request carries an admin token of the sessions' tenant (which may have codes
/// returned, not sent).
async fn is_admin(state: &AppState, headers: &HeaderMap, now: UnixTime) -> Result<bool, Error> {
    match auth::bearer(headers) {
        Some(token) if token.expose().starts_with(ADMIN_TOKEN_PREFIX) => {
            let found = tokens::admin_token(state, &token, now).await?;
            Ok(found.is_some_and(|t| t.tenant_id == DEFAULT_TENANT))
        }
        _ => Ok(false),
    }
}

fn challenges(view: &SessionView) -> Value {
    let mut out = Map::new();
    for issued in &view.challenges {
        let key = match issued.challenge.channel {
            Channel::Sms => "otp_sms",
            Channel::Email => "otp_email",
        };
        let mut rendered = json!({
            "exchange_id": issued.challenge.id,
            "expires_at": present::rfc3339(issued.challenge.expires_at),
            "medium": issued.medium(),
        });
        if let Some(code) = &issued.code {
            rendered["code"] = json!(code.expose());
        }
        out.insert(key.to_owned(), rendered);
    }
    if let Some(issued) = &view.webauthn {
        out.insert("webauthn".to_owned(), webauthn(issued));
    }
    if let Some(asked) = &view.security_questions {
        out.insert("security_questions".to_owned(), security_questions(asked));
    }
    if let Some(issued) = &view.push {
        let rendered = json!({
            "exchange_id": issued.exchange_id,
            "number": issued.number,
            "expires_at": present::rfc3339(issued.expires_at),
        });
        out.insert("push".to_owned(), rendered);
    }
    Value::Object(out)
}

/// The challenge as the session's `challenges.security_questions` shows it.
fn security_questions(asked: &AskedQuestions) -> Value {
    let questions: Vec<Value> = asked
        .questions
        .iter()
        .map(|q| json!({"question_id": q.question_id, "text": q.text}))
        .collect();
    json!({"exchange_id": asked.exchange_id, "questions": questions})
}

/// A started WebAuthn challenge: the request options for `navigator.credentials.get()`.
fn webauthn(issued: &WebauthnIssued) -> Value {
    json!({
        "exchange_id": issued.exchange_id,
        "public_key_credential_request_options": issued.options,
    })
}

/// A session as `POST` and `PATCH /v1/sessions…` answer it, serialised straight from the view:
/// every sign-in step answers with one, so no `Value` is built on the way (the field order is
/// the body's).
#[derive(Serialize)]
struct SessionBody<'a> {
    session_id: &'a str,
    user_id: Option<&'a str>,
    checks: present::ChecksOf<'a>,
    mfa: present::Mfa<'a>,
    challenges: Value,
    expires_at: String,
    risk: &'a Option<RiskScore>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_token: Option<&'a str>,
}

fn render<'a>(view: &'a SessionView, token: Option<&'a SecretString>) -> SessionBody<'a> {
    SessionBody {
        session_id: &view.session.id,
        user_id: view.session.user_id.as_deref(),
        checks: present::ChecksOf(&view.session),
        mfa: present::mfa(&view.info, view.user.as_ref(), &view.media),
        challenges: challenges(view),
        expires_at: present::rfc3339(view.session.expires_at),
        risk: &view.session.risk,
        session_token: token.map(SecretString::expose),
    }
}

pub async fn create(
    State(state): State<AppState>,
    ip: ClientIp,
    at: RequestTime,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CreateBody>,
) -> Result<Response, Error> {
    let ctx = ctx(DEFAULT_TENANT, ip, at);
    // A session started for an auth request is for that request's app, and only it may answer it.
    let request = match &body.auth_request_id {
        Some(id) => {
            let request = auth_requests::live_request(&state, &ctx, id).await?;
            auth_requests::ensure_unbound(&state, &request).await?;
            Some(request)
        }
        None => None,
    };
    let client_id = match (&request, body.client_id) {
        (Some(r), Some(c)) if c != r.request.client_id => {
            return Err(Error::InvalidRequest(
                "client_id differs from the auth request's client".to_owned(),
            ));
        }
        (Some(r), _) => Some(r.request.client_id.clone()),
        (None, c) => c,
    };
    let admin = is_admin(&state, &headers, ctx.now).await?;
    let step = session_input::step(body.checks, body.challenges, admin)?;
    let (view, token) = sign_in::create(&state, &ctx, step, client_id).await?;
    if let Some(request) = &request {
        auth_requests::bind(&state, &ctx, request, &view.session).await?;
    }
    Ok(created(render(&view, Some(&token))))
}

pub async fn patch(
    State(state): State<AppState>,
    ip: ClientIp,
    at: RequestTime,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<PatchBody>,
) -> Result<Response, Error> {
    let token = body
        .session_token
        .or_else(|| auth::bearer(&headers))
        .ok_or(Error::Unauthorized)?;
    let ctx = ctx(DEFAULT_TENANT, ip, at);
    // The admin token may ride in the header while the session token is in the body.
    let admin = is_admin(&state, &headers, ctx.now).await?;
    let ctx = match body.checks.push_wait() {
        Some(wait) => push_wait::until_answered(&state, &ctx, &id, &token, &wait).await?,
        None => ctx,
    };
    let step = session_input::step(body.checks, body.challenges, admin)?;
    let (view, token) = sign_in::update(&state, &ctx, &id, &token, step).await?;
    Ok(ok(render(&view, Some(&token))))
}

/// The session `id`, if the caller holds its token or administers its tenant.
async fn visible(
    state: &AppState,
    caller: &Caller,
    id: &str,
    now: UnixTime,
) -> Result<Session, Error> {
    let session = match caller {
        Caller::Session(own) if own.id == id => Some(own.as_ref().clone()),
        Caller::Session(_) => None,
        Caller::Admin { tenant_id } => {
            let found = state.store.session(id).await?.map(|(session, _)| session);
            found.filter(|s| &s.tenant_id == tenant_id && !s.is_expired(now))
        }
    };
    session.ok_or(Error::NotFound("session"))
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    RequestTime(now): RequestTime,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, Error> {
    let session = visible(&state, &caller, &id, now).await?;
    let view = sign_in::view(&state, session, now).await?;
    Ok(ok(render(&view, None)))
}

pub async fn mfa(
    State(state): State<AppState>,
    caller: Caller,
    RequestTime(now): RequestTime,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, Error> {
    let session = visible(&state, &caller, &id, now).await?;
    let view = sign_in::view(&state, session, now).await?;
    Ok(ok(present::mfa(
        &view.info,
        view.user.as_ref(),
        &view.media,
    )))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    at: RequestTime,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, Error> {
    let session = visible(&state, &caller, &id, at.0).await?;
    let ctx = Ctx {
        tenant_id: session.tenant_id.clone(),
        ..ctx(DEFAULT_TENANT, ip, at)
    };
    sign_in::terminate(&state, &ctx, &session).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /v1/sessions/{id}/skip-mfa-setup` with the session's own token: prompt mode's skip.
pub async fn skip_mfa_setup(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    at: RequestTime,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, Error> {
    // The person skips, not a backend on their behalf.
    let Caller::Session(session) = caller else {
        return Err(Error::Forbidden(
            "only the session's own token may skip setting up a second factor".to_owned(),
        ));
    };
    if session.id != id {
        return Err(Error::NotFound("session"));
    }
    let ctx = Ctx {
        tenant_id: session.tenant_id.clone(),
        session_id: Some(session.id.clone()),
        ..ctx(DEFAULT_TENANT, ip, at)
    };
    let view = setup_skip::skip(&state, &ctx, *session).await?;
    Ok(ok(render(&view, None)))
}
