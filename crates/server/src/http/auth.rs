//! Who is calling: an administrator (admin token), a user in a sign-in (session token), from
//! which address, and when.

pub use crate::flows::caller::Caller;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use twofold_core::UnixTime;
use twofold_core::secrets::{ADMIN_TOKEN_PREFIX, SESSION_TOKEN_PREFIX, SecretString};

use crate::error::Error;
use crate::flows::tokens;
use crate::state::AppState;

/// The bearer token of the request, if any.
pub fn bearer(headers: &HeaderMap) -> Option<SecretString> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| SecretString::new(token.trim().to_owned()))
}

/// A request carrying a valid admin token; holds the tenant it administers.
pub struct Admin {
    pub tenant_id: String,
    /// Which token: a list marks it as the caller's own.
    pub token_id: String,
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or(Error::Unauthorized)?;
        if !token.expose().starts_with(ADMIN_TOKEN_PREFIX) {
            return Err(Error::Unauthorized);
        }
        let found = tokens::admin_token(state, &token, RequestTime::of(parts, state).0)
            .await?
            .ok_or(Error::Unauthorized)?;
        Ok(Admin {
            tenant_id: found.tenant_id,
            token_id: found.id,
        })
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or(Error::Unauthorized)?;
        if token.expose().starts_with(SESSION_TOKEN_PREFIX) {
            let now = RequestTime::of(parts, state).0;
            let session = tokens::session_of_token(state, &token, now)
                .await?
                .ok_or(Error::Unauthorized)?;
            return Ok(Caller::Session(Box::new(session)));
        }
        Admin::from_request_parts(parts, state)
            .await
            .map(|admin| Caller::Admin {
                tenant_id: admin.tenant_id,
            })
    }
}

/// The client's address for the audit log: the peer, or the first `X-Forwarded-For` hop when
/// the operator said a proxy in front sets it.
pub struct ClientIp(pub Option<String>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.trust_forwarded_for {
            let forwarded = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .map(|ip| ip.trim().to_owned());
            if forwarded.is_some() {
                return Ok(ClientIp(forwarded));
            }
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip().to_string());
        Ok(ClientIp(peer))
    }
}

/// When the request arrived: the server's clock read once for it, so every rule the request
/// decides (token expiry, locks, the flow's `Ctx.now`) sees the same second.
#[derive(Debug, Clone, Copy)]
pub struct RequestTime(pub UnixTime);

impl RequestTime {
    /// The time stamped on the request; read (and stamped) here if nothing did before.
    fn of(parts: &mut Parts, state: &AppState) -> RequestTime {
        if let Some(stamped) = parts.extensions.get::<RequestTime>() {
            return *stamped;
        }
        let now = RequestTime(state.clock.now());
        parts.extensions.insert(now);
        now
    }
}

impl FromRequestParts<AppState> for RequestTime {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(RequestTime::of(parts, state))
    }
}

/// Reads the clock for the request as it arrives, before anything else looks at it.
pub async fn stamp_time(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    request
        .extensions_mut()
        .insert(RequestTime(state.clock.now()));
    next.run(request).await
}
