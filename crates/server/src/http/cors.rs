//! CORS for login UIs served from other origins: only the configured origins, never `*`, and no
//! credentials (cookies) — a cross-origin UI sends its tokens in headers, as API.md has it.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::api::auth_requests::DEVICE_HEADER;
use crate::error::Error;
use crate::state::AppState;

/// Browsers may cache a preflight answer this long.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(600);

/// The configured origins as header values, each checked to be a bare `scheme://host[:port]`
/// (what a browser sends in `Origin`): anything else could never match and is a typo.
pub fn origins(raw: &[String]) -> Result<Vec<HeaderValue>, Error> {
    raw.iter()
        .map(|origin| origin.trim())
        .filter(|origin| !origin.is_empty())
        .map(|origin| {
            let bad = |why: &str| Error::InvalidRequest(format!("cors origin `{origin}`: {why}"));
            if origin == "*" {
                return Err(bad("name the origins; `*` is not allowed"));
            }
            let url = url::Url::parse(origin).map_err(|_| bad("not a URL"))?;
            let bare = url.origin().ascii_serialization();
            if !matches!(url.scheme(), "https" | "http") || bare != origin.trim_end_matches('/') {
                return Err(bad("must be scheme://host[:port], with no path"));
            }
            HeaderValue::from_str(&bare).map_err(|_| bad("not a header value"))
        })
        .collect()
}

/// The CORS layer for `origins`, or `None` when there are none (no CORS headers at all).
pub fn layer(origins: &[HeaderValue]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins.iter().cloned()))
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([
                header::CONTENT_TYPE,
                header::AUTHORIZATION,
                HeaderName::from_static(DEVICE_HEADER),
            ])
            .expose_headers([header::RETRY_AFTER, header::WWW_AUTHENTICATE])
            .max_age(PREFLIGHT_MAX_AGE),
    )
}

/// tower-http answers a preflight's methods and headers whatever the origin (only the allowed
/// origin is left out); a caller from an origin we do not know learns nothing, not even those.
pub async fn only_for_known_origins(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let known = request
        .headers()
        .get(header::ORIGIN)
        .is_some_and(|origin| state.cors_origins.contains(origin));
    let mut response = next.run(request).await;
    if !known {
        let headers = response.headers_mut();
        let cors: Vec<HeaderName> = headers
            .keys()
            .filter(|name| name.as_str().starts_with("access-control-"))
            .cloned()
            .collect();
        for name in cors {
            headers.remove(name);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::origins;

    #[test]
    fn origins_are_bare_and_named() {
        let ok = origins(&[
            "https://login.example.com".into(),
            "http://localhost:3000/".into(),
        ])
        .unwrap();
        assert_eq!(ok[0], "https://login.example.com");
        assert_eq!(ok[1], "http://localhost:3000");
        for bad in [
            "*",
            "login.example.com",
            "https://a.example/login",
            "ftp://a.example",
        ] {
            assert!(origins(&[bad.to_owned()]).is_err(), "{bad}");
        }
    }
}
