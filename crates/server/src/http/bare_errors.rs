//! A last line behind the extractors of `http::json`: an error response that leaves as bare
//! `text/plain` or with no type at all (an axum or tower rejection nobody wrapped) is rewritten
//! as a problem, so a client never has to parse text. HTML pages and JSON pass as they are.

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::Error;

/// Bare rejections are one line; more is not a rejection we would want to echo.
const DETAIL_LIMIT: usize = 1024;

pub async fn bare_errors_as_problems(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let bare = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|value| value.as_bytes().starts_with(b"text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !bare {
        return response;
    }
    let detail = axum::body::to_bytes(response.into_body(), DETAIL_LIMIT)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    tracing::warn!(%status, "a bare error response was turned into a problem");
    as_error(status, detail).into_response()
}

fn as_error(status: StatusCode, detail: String) -> Error {
    match status {
        StatusCode::NOT_FOUND => Error::NotFound("resource"),
        StatusCode::METHOD_NOT_ALLOWED => Error::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => Error::BodyTooLarge,
        StatusCode::REQUEST_TIMEOUT => Error::RequestTimeout,
        StatusCode::SERVICE_UNAVAILABLE => Error::Unavailable(detail),
        s if s.is_client_error() => Error::InvalidRequest(detail),
        _ => Error::Internal(detail),
    }
}
