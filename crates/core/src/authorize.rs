//! The OAuth authorization request, validated in full before anything is redirected anywhere.
//!
//! RFC 6749 §4.1.2.1: an unknown client or a redirect URI that is not registered must never be
//! redirected to (that would make the server an open redirector); every other problem is reported
//! to the client by redirect, with `error` and `state`.

use crate::UnixTime;
use crate::app::App;
use crate::session::Session;

/// The query of `GET /oauth/authorize`, as received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizeParams {
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub response_type: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub acr_values: Option<String>,
    pub max_age: Option<String>,
    pub prompt: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    Login,
    None,
}

/// A request that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub acr_values: Vec<String>,
    pub max_age: Option<u64>,
    pub prompt: Option<Prompt>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Shown to the person; never redirected.
    Page(String),
    /// Sent back to the client at its (verified) redirect URI.
    Redirect {
        redirect_uri: String,
        error: &'static str,
        description: String,
        state: Option<String>,
    },
}

const MAX_PARAM: usize = 512;

/// Validates `params` against the app they name (`None` when the client id is unknown).
pub fn validate(params: &AuthorizeParams, app: Option<&App>) -> Result<ValidRequest, Refusal> {
    let Some(app) = app else {
        return Err(Refusal::Page("unknown client_id".to_owned()));
    };
    let Some(redirect_uri) = params.redirect_uri.clone() else {
        return Err(Refusal::Page("redirect_uri is required".to_owned()));
    };
    if !app.redirect_uris.contains(&redirect_uri) {
        return Err(Refusal::Page(
            "redirect_uri is not registered for this client".to_owned(),
        ));
    }
    let state = params.state.clone();
    let refuse = |error: &'static str, description: &str| Refusal::Redirect {
        redirect_uri: redirect_uri.clone(),
        error,
        description: description.to_owned(),
        state: state.clone(),
    };
    let too_long = [
        &params.state,
        &params.nonce,
        &params.scope,
        &params.acr_values,
        &params.code_challenge,
    ]
    .iter()
    .any(|p| p.as_ref().is_some_and(|v| v.len() > MAX_PARAM));
    if too_long {
        return Err(refuse("invalid_request", "a parameter is too long"));
    }
    if params.response_type.as_deref() != Some("code") {
        return Err(refuse(
            "unsupported_response_type",
            "only response_type=code is supported",
        ));
    }
    let scope: Vec<String> = params
        .scope
        .as_deref()
        .unwrap_or("")
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if !scope.iter().any(|s| s == "openid") {
        return Err(refuse("invalid_scope", "scope must include openid"));
    }
    // Scopes this provider does not know are left out of the grant, as RFC 6749 §3.3 allows.
    let mut granted: Vec<String> = Vec::new();
    for s in scope {
        if crate::claims::SUPPORTED_SCOPES.contains(&s.as_str()) && !granted.contains(&s) {
            granted.push(s);
        }
    }
    let scope = granted;
    let code_challenge = match (
        params.code_challenge.as_deref(),
        params.code_challenge_method.as_deref(),
    ) {
        (None, None) if app.public => {
            return Err(refuse(
                "invalid_request",
                "public clients must use PKCE (S256)",
            ));
        }
        (None, None) => None,
        (Some(challenge), Some("S256")) if is_s256_challenge(challenge) => {
            Some(challenge.to_owned())
        }
        (Some(_), Some("S256")) => {
            return Err(refuse(
                "invalid_request",
                "code_challenge must be 43 base64url characters",
            ));
        }
        _ => {
            return Err(refuse(
                "invalid_request",
                "code_challenge_method must be S256, with a code_challenge",
            ));
        }
    };
    let max_age = params
        .max_age
        .as_deref()
        .map(|v| {
            v.parse::<u64>()
                .map_err(|_| refuse("invalid_request", "max_age must be a number of seconds"))
        })
        .transpose()?;
    let prompt = match params.prompt.as_deref() {
        None | Some("") => None,
        Some("login") => Some(Prompt::Login),
        Some("none") => Some(Prompt::None),
        Some(_) => return Err(refuse("invalid_request", "prompt may be login or none")),
    };
    let acr_values = params
        .acr_values
        .as_deref()
        .unwrap_or("")
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    Ok(ValidRequest {
        client_id: app.client_id.clone(),
        redirect_uri,
        scope,
        state: params.state.clone(),
        nonce: params.nonce.clone(),
        code_challenge,
        acr_values,
        max_age,
        prompt,
    })
}

/// RFC 7636: BASE64URL(SHA-256(verifier)) without padding is exactly 43 characters.
fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A validated request waiting for a session to satisfy it (cidaas' "request id").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRequest {
    pub id: String,
    pub tenant_id: String,
    pub request: ValidRequest,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    /// The session a login UI started for this request; only it may continue the request.
    pub session_id: Option<String>,
    /// When a code was issued for it: a request is answered once.
    pub consumed_at: Option<UnixTime>,
}

impl AuthRequest {
    pub fn is_expired(&self, now: UnixTime) -> bool {
        now >= self.expires_at
    }

    /// Why `session` may not answer this request, if it may not: the request is bound to another
    /// session, or the session was started for another app.
    pub fn refusal_for(&self, session: &Session) -> Option<&'static str> {
        if self
            .session_id
            .as_ref()
            .is_some_and(|bound| bound != &session.id)
        {
            return Some("this auth request belongs to another session");
        }
        if session
            .client_id
            .as_ref()
            .is_some_and(|c| c != &self.request.client_id)
        {
            return Some("this session was started for another app");
        }
        None
    }
}

impl Prompt {
    pub fn as_str(self) -> &'static str {
        match self {
            Prompt::Login => "login",
            Prompt::None => "none",
        }
    }

    pub fn parse(value: &str) -> Option<Prompt> {
        [Prompt::Login, Prompt::None]
            .into_iter()
            .find(|p| p.as_str() == value)
    }
}

/// An auth request waits this long for a session to satisfy it.
pub const AUTH_REQUEST_TTL_SECONDS: u64 = 600;

pub fn expires_at(now: UnixTime) -> UnixTime {
    now.plus_seconds(AUTH_REQUEST_TTL_SECONDS)
}

#[cfg(test)]
mod tests;
