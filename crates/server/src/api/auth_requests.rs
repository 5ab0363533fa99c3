//! Auth requests for custom login UIs: the prelogin metadata, and `continue`, which answers the
//! client's redirect URI with a code only when the whole requirement holds.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use twofold_core::precheck::Decision;
use twofold_core::secrets::{DEVICE_TOKEN_PREFIX, SESSION_TOKEN_PREFIX, SecretString};

use super::{ctx, ok};
use crate::error::Error;
use crate::flows::auth_requests;
use crate::flows::precheck::{self, ContinueInput, Evaluated};
use crate::http::auth::{self, ClientIp, RequestTime};
use crate::http::json::{ApiJson, ApiPath};
use crate::http::present;
use crate::state::{AppState, DEFAULT_TENANT};

/// The device cookie: opaque, HttpOnly, sent back only to this server.
pub const DEVICE_COOKIE: &str = "twofold_device";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContinueBody {
    session_id: String,
    session_token: SecretString,
    /// The user asked to trust this device.
    #[serde(default)]
    trust_device: bool,
    /// The device token of an earlier sign-in, for UIs that keep it themselves (else the cookie).
    device_token: Option<SecretString>,
}

/// A header for UIs that keep the device token themselves and call from another origin.
pub const DEVICE_HEADER: &str = "twofold-device-token";

/// The device token from the body, else the `Twofold-Device-Token` header, else this server's
/// cookie.
fn device_token(headers: &HeaderMap, body: Option<SecretString>) -> Option<SecretString> {
    let header = headers
        .get(DEVICE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|v| SecretString::new(v.trim().to_owned()));
    body.or(header).or_else(|| {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, value)| *name == DEVICE_COOKIE && value.starts_with(DEVICE_TOKEN_PREFIX))
            .map(|(_, value)| SecretString::new(value.to_owned()))
    })
}

pub async fn get(
    State(state): State<AppState>,
    ip: ClientIp,
    at: RequestTime,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, Error> {
    let ctx = ctx(DEFAULT_TENANT, ip, at);
    let request = auth_requests::live_request(&state, &ctx, &id).await?;
    let app = auth_requests::app_of(&state, &ctx, &request).await?;
    let mut body = json!({
        "auth_request_id": request.id,
        "client_id": request.request.client_id,
        "client_name": app.name,
        "scope": request.request.scope,
        "acr_values": request.request.acr_values,
        "expires_at": present::rfc3339(request.expires_at),
        "validation_type": "login_required",
        "mfa": {"configured_methods": [], "next": [], "allowed_to_setup": []},
    });
    // What the user may do is told only to the holder of the session bound to the request.
    let session_token =
        auth::bearer(&headers).filter(|t| t.expose().starts_with(SESSION_TOKEN_PREFIX));
    let bound = request.session_id.clone();
    if let (Some(token), Some(session_id)) = (session_token, bound) {
        let session =
            auth_requests::session_for(&state, &ctx, &request, &session_id, &token).await?;
        let evaluated = precheck::evaluate(
            &state,
            &ctx,
            request,
            app,
            session,
            device_token(&headers, None).as_ref(),
        )
        .await?;
        body["session_id"] = json!(evaluated.subject.session.id);
        body["validation_type"] = json!(precheck::validation_type(&evaluated));
        let Evaluated { subject, outcome } = evaluated;
        // Nothing about the user's factors or risk is told before a first factor has passed:
        // until then the answer is the same for every login name, known or not.
        if outcome.decision != Decision::LoginRequired {
            let info = precheck::info_of(&outcome.decision);
            body["risk"] = json!(outcome.risk);
            body["mfa"] = json!({
                "configured_methods": subject.active,
                "next": info.map(|i| i.next.clone()).unwrap_or_default(),
                "allowed_to_setup": info.map(|i| i.allowed_to_setup.clone()).unwrap_or_default(),
            });
        }
    }
    Ok(ok(body))
}

pub async fn continue_request(
    State(state): State<AppState>,
    ip: ClientIp,
    at: RequestTime,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ContinueBody>,
) -> Result<Response, Error> {
    let ctx = ctx(DEFAULT_TENANT, ip, at);
    let device = device_token(&headers, body.device_token);
    let continued = precheck::continue_request(
        &state,
        &ctx,
        &id,
        ContinueInput {
            session_id: &body.session_id,
            session_token: &body.session_token,
            device_token: device.as_ref(),
            trust_device: body.trust_device,
        },
    )
    .await?;
    let mut answer = json!({
        "redirect_uri": continued.redirect_uri,
        "device_trusted": continued.device_trusted,
    });
    let response = match &continued.device_token {
        Some(token) => {
            answer["device_token"] = Value::String(token.expose().to_owned());
            let secure = if state.issuer().starts_with("https://") {
                "; Secure"
            } else {
                ""
            };
            let cookie = format!(
                "{DEVICE_COOKIE}={}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax{secure}",
                token.expose()
            );
            let mut response = ok(answer);
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            response
        }
        None => ok(answer),
    };
    // Never cached: every API answer is `no-store` (http::headers).
    Ok(response.into_response())
}
