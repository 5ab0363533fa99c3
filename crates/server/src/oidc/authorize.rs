//! `GET /oauth/authorize` — checks the request in full, then sends the person to the app's login
//! UI with an auth request id. Nothing is redirected before the client and its redirect URI are
//! known to belong together.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use twofold_core::authorize::{self, AuthRequest, AuthorizeParams, Prompt, Refusal};
use url::Url;

use crate::error::Error;
use crate::flows::client_redirect::{self, Answer};
use crate::http::auth::RequestTime;
use crate::http::json::ApiQuery;
use crate::random;
use crate::state::{AppState, DEFAULT_TENANT};

/// Unknown parameters are ignored, as OAuth requires.
#[derive(Debug, Deserialize, Default)]
pub struct Params {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    response_type: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    acr_values: Option<String>,
    max_age: Option<String>,
    prompt: Option<String>,
}

fn redirect(location: &Url) -> Response {
    (
        StatusCode::FOUND,
        [(header::LOCATION, location.as_str().to_owned())],
    )
        .into_response()
}

/// An error for the client at its redirect URI (checked against the registration).
fn error_redirect(
    issuer: &str,
    redirect_uri: &str,
    error: &str,
    description: &str,
    state: Option<&str>,
) -> Result<Response, Error> {
    let answer = Answer::Error { error, description };
    let url = client_redirect::to_client(redirect_uri, answer, state, issuer)?;
    Ok(redirect(&url))
}

pub async fn authorize(
    State(state): State<AppState>,
    RequestTime(now): RequestTime,
    ApiQuery(p): ApiQuery<Params>,
) -> Result<Response, Error> {
    let params = AuthorizeParams {
        client_id: p.client_id,
        redirect_uri: p.redirect_uri,
        response_type: p.response_type,
        scope: p.scope,
        state: p.state,
        nonce: p.nonce,
        code_challenge: p.code_challenge,
        code_challenge_method: p.code_challenge_method,
        acr_values: p.acr_values,
        max_age: p.max_age,
        prompt: p.prompt,
    };
    let app = match params.client_id.as_deref() {
        Some(id) if !id.is_empty() && id.len() <= 256 => {
            state.store.app(DEFAULT_TENANT, id).await?
        }
        _ => None,
    };
    let issuer = state.issuer();
    let valid = match authorize::validate(&params, app.as_ref()) {
        Ok(valid) => valid,
        Err(Refusal::Page(reason)) => return Err(Error::InvalidRequest(reason)),
        Err(Refusal::Redirect {
            redirect_uri,
            error,
            description,
            state,
        }) => {
            return error_redirect(issuer, &redirect_uri, error, &description, state.as_deref());
        }
    };
    if valid.prompt == Some(Prompt::None) {
        // No sign-in can be recognised at this point without the hosted UI's session cookie.
        return error_redirect(
            issuer,
            &valid.redirect_uri,
            "login_required",
            "no signed-in session",
            valid.state.as_deref(),
        );
    }
    let Some(login_url) = app.as_ref().and_then(|a| a.login_url.as_deref()) else {
        return Err(Error::InvalidRequest(
            "this app has no login_url, and the hosted login UI is not available yet".to_owned(),
        ));
    };
    let request = AuthRequest {
        id: random::new_id(state.random.as_ref())?,
        tenant_id: DEFAULT_TENANT.to_owned(),
        request: valid,
        created_at: now,
        expires_at: authorize::expires_at(now),
        session_id: None,
        consumed_at: None,
    };
    state.store.insert_auth_request(&request).await?;
    let mut login = Url::parse(login_url)
        .map_err(|_| Error::Internal("stored login_url does not parse".to_owned()))?;
    login
        .query_pairs_mut()
        .append_pair("auth_request_id", &request.id);
    Ok(redirect(&login))
}
