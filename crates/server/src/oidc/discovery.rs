//! `GET /.well-known/openid-configuration` — what relying parties need to talk to this provider.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use twofold_core::claims::SUPPORTED_SCOPES;

use crate::error::Error;
use crate::state::{AppState, DEFAULT_TENANT};

pub async fn openid_configuration(State(state): State<AppState>) -> Result<Response, Error> {
    let issuer = state.issuer();
    let settings = state.settings(DEFAULT_TENANT).await?;
    let acr_values: Vec<&str> = settings
        .oidc
        .acr_levels
        .iter()
        .map(|l| l.value.as_str())
        .collect();
    let body = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/oauth/authorize"),
        "token_endpoint": format!("{issuer}/oauth/token"),
        "userinfo_endpoint": format!("{issuer}/oauth/userinfo"),
        "jwks_uri": format!("{issuer}/oauth/jwks"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": SUPPORTED_SCOPES,
        "claims_supported": [
            "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "amr", "acr", "azp", "sid",
            "preferred_username", "locale", "updated_at", "email", "email_verified",
            "phone_number", "phone_number_verified"
        ],
        "acr_values_supported": acr_values,
        "prompt_values_supported": ["login", "none"],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "authorization_response_iss_parameter_supported": true,
    });
    Ok((
        [(header::CACHE_CONTROL, "public, max-age=300")],
        axum::Json(body),
    )
        .into_response())
}
