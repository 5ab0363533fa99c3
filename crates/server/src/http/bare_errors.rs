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
    let (parts, body) = response.into_parts();
    let detail = axum::body::to_bytes(body, DETAIL_LIMIT)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    tracing::warn!(%status, "a bare error response was turned into a problem");
    let mut problem = as_error(status, detail).into_response();
    // What the client needs to act on (which methods, when to retry, how to authenticate)
    // survives the rewrite.
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(value) = parts.headers.get(&name) {
            problem.headers_mut().insert(name, value.clone());
        }
    }
    problem
}

fn as_error(status: StatusCode, detail: String) -> Error {
    match status {
        StatusCode::NOT_FOUND => Error::NotFound("resource"),
        StatusCode::METHOD_NOT_ALLOWED => Error::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => Error::BodyTooLarge,
        StatusCode::REQUEST_TIMEOUT => Error::RequestTimeout,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Error::UnsupportedMediaType,
        StatusCode::UNAUTHORIZED => Error::Unauthorized,
        StatusCode::FORBIDDEN => Error::Forbidden(detail),
        StatusCode::CONFLICT => Error::Conflict(detail),
        StatusCode::SERVICE_UNAVAILABLE => Error::Unavailable(detail),
        s if s.is_client_error() => Error::InvalidRequest(detail),
        _ => Error::Internal(detail),
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use axum::routing::get;
    use tower::ServiceExt;

    use super::bare_errors_as_problems;

    async fn answer(path: &str) -> (StatusCode, String, String) {
        let app = Router::new()
            .route(
                "/bare",
                get(|| async { (StatusCode::BAD_REQUEST, "Bad thing") }),
            )
            .route("/page", get(|| async { StatusCode::NO_CONTENT }))
            .layer(axum::middleware::from_fn(bare_errors_as_problems));
        let response = app
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let kind = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        (status, kind, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn a_bare_text_error_becomes_a_problem_and_successes_pass() {
        let (status, kind, body) = answer("/bare").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(kind, "application/problem+json");
        assert!(body.contains("\"code\":\"invalid_request\"") && body.contains("Bad thing"));
        // axum's own 404 for an unknown route is bare too.
        let (status, kind, _) = answer("/nowhere").await;
        assert_eq!(
            (status, kind.as_str()),
            (StatusCode::NOT_FOUND, "application/problem+json")
        );
        assert_eq!(answer("/page").await.0, StatusCode::NO_CONTENT);
    }

    #[tokio::test]
    async fn a_rewritten_rejection_keeps_its_status_and_what_the_client_acts_on() {
        let app = Router::new()
            .route(
                "/limited",
                get(|| async {
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        [(header::RETRY_AFTER, "7")],
                        "slow down",
                    )
                }),
            )
            .layer(axum::middleware::from_fn(bare_errors_as_problems));
        let wrong_method = app
            .clone()
            .oneshot(Request::post("/limited").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(wrong_method.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert!(wrong_method.headers().contains_key(header::ALLOW));
        let limited = app
            .oneshot(Request::get("/limited").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(limited.headers()[header::RETRY_AFTER], "7");
        assert_eq!(
            limited.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
    }
}
