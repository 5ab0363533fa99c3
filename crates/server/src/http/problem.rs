//! The only place an error becomes an HTTP status: RFC 9457 problem details with stable codes.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::error::{Error, OAuthError};
use crate::http::present::rfc3339;

impl Error {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Error::InvalidRequest(_) => (StatusCode::BAD_REQUEST, "invalid_request"),
            Error::BodyTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "invalid_request"),
            Error::RequestTimeout => (StatusCode::REQUEST_TIMEOUT, "request_timeout"),
            Error::UnsupportedMediaType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "invalid_request"),
            Error::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Error::InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials"),
            Error::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Error::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Error::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "invalid_request"),
            Error::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Error::InvalidCode { .. } => (StatusCode::UNAUTHORIZED, "invalid_code"),
            Error::CodeExpired => (StatusCode::UNAUTHORIZED, "code_expired"),
            Error::ReplayedCode { .. } => (StatusCode::UNAUTHORIZED, "replayed_code"),
            Error::Locked { .. } => (StatusCode::LOCKED, "locked"),
            Error::CaptchaRequired { .. } => (StatusCode::UNAUTHORIZED, "captcha_required"),
            Error::MfaRequired { .. } => (StatusCode::FORBIDDEN, "mfa_required"),
            Error::SetupRequired { .. } => (StatusCode::FORBIDDEN, "setup_required"),
            Error::PushPending { .. } => (StatusCode::CONFLICT, "pending"),
            Error::PushDenied => (StatusCode::UNAUTHORIZED, "push_denied"),
            Error::PushWrongNumber => (StatusCode::UNAUTHORIZED, "push_wrong_number"),
            Error::PushPaused { .. } => (StatusCode::FORBIDDEN, "push_paused"),
            Error::LoginRequired { .. } => (StatusCode::FORBIDDEN, "login_required"),
            Error::InsufficientAuthentication { .. } => {
                (StatusCode::FORBIDDEN, "insufficient_user_authentication")
            }
            Error::OAuth { error, .. } => match error {
                OAuthError::InvalidClient => (StatusCode::UNAUTHORIZED, error.as_str()),
                _ => (StatusCode::BAD_REQUEST, error.as_str()),
            },
            Error::InvalidToken => (StatusCode::UNAUTHORIZED, "invalid_token"),
            Error::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            Error::Unavailable(_) | Error::NotConfigured(_) => {
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
            }
            Error::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// What the caller may be told. Internals (store and dependency detail) are logged, not sent.
    fn public_detail(&self) -> String {
        match self {
            Error::Unavailable(_) => {
                "a dependency (such as the database) is unavailable; try again".to_owned()
            }
            Error::Internal(_) => "the server could not complete the request".to_owned(),
            other => other.to_string(),
        }
    }

    fn extensions(&self) -> Map<String, Value> {
        let mut extra = Map::new();
        match self {
            Error::InvalidCode { attempts_left } | Error::ReplayedCode { attempts_left } => {
                extra.insert("attempts_left".into(), json!(attempts_left));
            }
            Error::Locked { until } => {
                extra.insert("locked_until".into(), json!(until.map(rfc3339)));
            }
            Error::CaptchaRequired { challenge, .. } => {
                extra.insert("altcha".into(), json!(challenge));
            }
            Error::InsufficientAuthentication {
                redirect_uri: Some(uri),
                ..
            } => {
                extra.insert("redirect_uri".into(), json!(uri));
            }
            Error::MfaRequired { next }
            | Error::SetupRequired { next }
            | Error::LoginRequired { next } => {
                extra.insert("next".into(), json!(next));
            }
            Error::RateLimited {
                retry_after_seconds,
            } => {
                extra.insert("retry_after".into(), json!(retry_after_seconds));
            }
            Error::PushPending { expires_at } => {
                extra.insert("expires_at".into(), json!(rfc3339(*expires_at)));
            }
            Error::PushPaused { until } => {
                extra.insert("paused_until".into(), json!(rfc3339(*until)));
            }
            _ => {}
        }
        extra
    }
}

/// RFC 6749 §5.2: the token endpoint answers `{error, error_description}` as plain JSON.
fn oauth_response(status: StatusCode, code: &str, description: &str) -> Response {
    let body = json!({"error": code, "error_description": description}).to_string();
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if status == StatusCode::UNAUTHORIZED {
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"twofold\""),
        );
    }
    response
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let Error::OAuth { description, .. } = &self {
            tracing::debug!(code, "token request refused");
            return oauth_response(status, code, description);
        }
        match &self {
            Error::Internal(detail) => tracing::error!(code, %detail, "request failed"),
            Error::Unavailable(detail) => tracing::warn!(code, %detail, "dependency unavailable"),
            _ => tracing::debug!(code, "request refused"),
        }
        let mut body = Map::new();
        body.insert("type".into(), json!(format!("urn:twofold:problem:{code}")));
        body.insert(
            "title".into(),
            json!(status.canonical_reason().unwrap_or("Error")),
        );
        body.insert("status".into(), json!(status.as_u16()));
        body.insert("detail".into(), json!(self.public_detail()));
        body.insert("code".into(), json!(code));
        body.extend(self.extensions());
        let mut response = (status, Value::Object(body).to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Error::InvalidToken = self {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
        }
        if let Error::RequestTimeout = self {
            // What is left of a stalled body cannot be told from the next request: close.
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if let Error::RateLimited {
            retry_after_seconds,
        } = self
            && let Ok(value) = HeaderValue::from_str(&retry_after_seconds.to_string())
        {
            headers.insert(header::RETRY_AFTER, value);
        }
        response
    }
}
