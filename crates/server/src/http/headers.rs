//! Headers every response carries: no sniffing, no referrer, HSTS behind https, and no caching
//! unless a handler says otherwise — a JSON API of an authentication server answers with seeds,
//! codes, secrets and tokens, and a shared cache or a browser's disk must keep none of them.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// One year: the HSTS preload lists' minimum. No `includeSubDomains`: other hosts under the
/// public URL's domain are not ours to pin to https.
const HSTS: HeaderValue = HeaderValue::from_static("max-age=31536000");

pub async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let https = state.issuer().starts_with("https://");
    add(response.headers_mut(), https);
    response
}

fn add(headers: &mut HeaderMap, https: bool) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if https {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    // The discovery document and the JWKS set their own short max-age; everything else: none.
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_store_unless_the_handler_chose_a_policy_and_hsts_only_behind_https() {
        let mut plain = HeaderMap::new();
        add(&mut plain, false);
        assert_eq!(plain[header::CACHE_CONTROL], "no-store");
        assert_eq!(plain[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(plain.get(header::STRICT_TRANSPORT_SECURITY).is_none());

        let mut cacheable = HeaderMap::new();
        cacheable.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        );
        add(&mut cacheable, true);
        assert_eq!(cacheable[header::CACHE_CONTROL], "public, max-age=300");
        assert_eq!(
            cacheable[header::STRICT_TRANSPORT_SECURITY],
            "max-age=31536000"
        );
    }
}
