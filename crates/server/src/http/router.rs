//! Every route of the API, with the layers that guard them all.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Request, State};
use axum::http::{HeaderName, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::sensitive_headers::{
    SetSensitiveRequestHeadersLayer, SetSensitiveResponseHeadersLayer,
};
use tower_http::trace::TraceLayer;

use crate::api::security_questions;
use crate::api::{
    admin_tokens, apps, auth_requests, authenticators, contacts, devices, events, groups, health,
    push, sessions, settings, sign_in_methods, signing_keys, users, webauthn,
};
use crate::error::Error;
use crate::http::{auth, bare_errors, cors, headers, limits};
use crate::oidc;
use crate::state::AppState;

async fn count_response(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    state.metrics.count_response(response.status().as_u16());
    response
}

/// Request bodies are small JSON documents; anything larger is refused before it is read.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// Only the metrics, for a listener of their own.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(health::metrics))
        .fallback(|| async { Error::NotFound("route") })
        .method_not_allowed_fallback(|| async { Error::MethodNotAllowed })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            headers::security_headers,
        ))
        .with_state(state)
}

pub fn router(state: AppState) -> Router {
    let cors = cors::layer(&state.cors_origins);
    let api = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/v1/users", post(users::create).get(users::list))
        .route(
            "/v1/admin-tokens",
            get(admin_tokens::list).post(admin_tokens::create),
        )
        .route(
            "/v1/admin-tokens/{id}",
            axum::routing::delete(admin_tokens::revoke),
        )
        .route("/oauth/jwks", get(oidc::jwks::jwks))
        .route("/oauth/authorize", get(oidc::authorize::authorize))
        .route("/oauth/token", post(oidc::token::token))
        .route(
            "/oauth/userinfo",
            get(oidc::userinfo::userinfo).post(oidc::userinfo::userinfo),
        )
        .route(
            "/.well-known/openid-configuration",
            get(oidc::discovery::openid_configuration),
        )
        .route("/v1/auth-requests/{id}", get(auth_requests::get))
        .route(
            "/v1/auth-requests/{id}/continue",
            post(auth_requests::continue_request),
        )
        .route("/v1/users/{id}/devices", get(devices::list))
        .route(
            "/v1/users/{id}/devices/{device_id}",
            axum::routing::delete(devices::revoke),
        )
        .route("/v1/signing-keys/rotate", post(signing_keys::rotate))
        .route("/v1/apps", post(apps::create).get(apps::list))
        .route(
            "/v1/apps/{client_id}",
            get(apps::get).patch(apps::patch).delete(apps::delete),
        )
        .route(
            "/v1/users/{id}",
            get(users::get).patch(users::patch).delete(users::delete),
        )
        .route("/v1/users/{id}/unlock", post(users::unlock))
        .route("/v1/users/{id}/phone", post(contacts::set_phone))
        .route("/v1/users/{id}/phone/verify", post(contacts::verify_phone))
        .route("/v1/users/{id}/email", post(contacts::set_email))
        .route("/v1/users/{id}/email/verify", post(contacts::verify_email))
        .route(
            "/v1/users/{id}/phone/{medium_id}",
            axum::routing::delete(contacts::remove_phone),
        )
        .route(
            "/v1/users/{id}/email/{medium_id}",
            axum::routing::delete(contacts::remove_email),
        )
        .route("/v1/users/{id}/otp-sms", post(contacts::enable_sms))
        .route("/v1/users/{id}/otp-email", post(contacts::enable_email))
        .route("/v1/users/{id}/authenticators", get(authenticators::list))
        .route(
            "/v1/users/{id}/authenticators/{authenticator_id}",
            axum::routing::delete(authenticators::remove).patch(authenticators::rename),
        )
        .route("/v1/users/{id}/webauthn", post(webauthn::start))
        .route(
            "/v1/users/{id}/webauthn/{authenticator_id}",
            post(webauthn::finish),
        )
        .route("/v1/users/{id}/push-devices", post(push::start))
        .route("/v1/push/enrol", post(push::enrol))
        .route("/v1/push/devices/{id}/activate", post(push::activate))
        .route("/v1/push/devices/{id}/pending", get(push::pending))
        .route("/v1/push/challenges/{id}", post(push::answer))
        .route("/v1/users/{id}/totp", post(authenticators::start_totp))
        .route(
            "/v1/users/{id}/totp/verify",
            post(authenticators::verify_totp),
        )
        .route(
            "/v1/users/{id}/backup-codes",
            post(authenticators::new_backup_codes),
        )
        .route(
            "/v1/users/{id}/security-questions",
            axum::routing::put(security_questions::put_answers),
        )
        .route(
            "/v1/settings/login",
            get(settings::get_login)
                .put(settings::put_login)
                .patch(settings::patch_login),
        )
        .route("/v1/sessions", post(sessions::create))
        .route("/v1/sign-in-methods", get(sign_in_methods::get))
        .route(
            "/v1/sessions/{id}",
            get(sessions::get)
                .patch(sessions::patch)
                .delete(sessions::delete),
        )
        .route("/v1/sessions/{id}/mfa", get(sessions::mfa))
        .route(
            "/v1/sessions/{id}/skip-mfa-setup",
            post(sessions::skip_mfa_setup),
        )
        .route("/v1/events", get(events::list))
        .route("/v1/groups", post(groups::create).get(groups::list))
        .route(
            "/v1/groups/{id}",
            get(groups::get).patch(groups::patch).delete(groups::delete),
        )
        .route(
            "/v1/groups/{id}/members/{user_id}",
            axum::routing::put(groups::add_member).delete(groups::remove_member),
        )
        .route("/v1/users/{id}/groups", get(groups::of_user))
        .fallback(|| async { Error::NotFound("route") })
        .method_not_allowed_fallback(|| async { Error::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        // The request's one reading of the clock, for every extractor and flow behind it.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::stamp_time,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            limits::body_deadline,
        ))
        .layer(middleware::from_fn(bare_errors::bare_errors_as_problems))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            count_response,
        ))
        // Tokens travel in these headers: whatever logs headers must not see them.
        .layer(SetSensitiveResponseHeadersLayer::new([header::SET_COOKIE]))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
            HeaderName::from_static(auth_requests::DEVICE_HEADER),
        ]))
        .layer(CatchPanicLayer::custom(|_| {
            axum::response::IntoResponse::into_response(Error::Internal(
                "handler panicked".to_owned(),
            ))
        }));
    // Outermost: preflights are answered here, and every answer gets the security headers.
    let api = match cors {
        Some(cors) => api.layer(cors).layer(middleware::from_fn_with_state(
            state.clone(),
            cors::only_for_known_origins,
        )),
        None => api,
    };
    api.layer(middleware::from_fn_with_state(
        state.clone(),
        headers::security_headers,
    ))
    .with_state(state)
}

/// The request's span names its method and path, never its query: login names (full email
/// addresses and phone numbers) travel there (`/v1/sign-in-methods?login_name=…`, an admin's
/// `/v1/users?search=…`), and tower-http's default span logs the whole URI.
fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    tracing::debug_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        version = ?request.version(),
    )
}
