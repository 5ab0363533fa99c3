//! `POST /oauth/token` — the authorization code (one use, PKCE) and rotating refresh tokens.
//! Clients authenticate with `client_secret_basic`, `client_secret_post`, or (public clients) not
//! at all but with PKCE. Errors are RFC 6749's JSON, not problem details.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use data_encoding::BASE64;
use serde::Deserialize;
use serde_json::json;
use twofold_core::secrets::SecretString;

use super::super::api::ctx;
use crate::error::{Error, OAuthError};
use crate::flows::oauth::{self, ClientCredentials, GrantRequest};
use crate::http::auth::{ClientIp, RequestTime};
use crate::state::{AppState, DEFAULT_TENANT};

#[derive(Deserialize)]
pub struct TokenForm {
    grant_type: Option<String>,
    code: Option<SecretString>,
    redirect_uri: Option<String>,
    code_verifier: Option<SecretString>,
    refresh_token: Option<SecretString>,
    client_id: Option<String>,
    client_secret: Option<SecretString>,
}

fn invalid_request(description: &str) -> Error {
    Error::OAuth {
        error: OAuthError::InvalidRequest,
        description: description.to_owned(),
    }
}

/// RFC 6749 §2.3.1: `Basic base64(urlencode(id) ":" urlencode(secret))`.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, SecretString)>, Error> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || invalid_request("malformed Authorization header");
    let value = value.to_str().map_err(|_| bad())?;
    let Some((scheme, encoded)) = value.split_once(' ') else {
        return Err(bad());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(bad());
    }
    let decoded = BASE64
        .decode(encoded.trim().as_bytes())
        .map_err(|_| bad())?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(bad)?;
    // Both halves are form-urlencoded (RFC 6749 §2.3.1); a literal `=` or `&` stays what it is.
    let unescape = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8()
            .map(|s| s.into_owned())
            .map_err(|_| bad())
    };
    Ok(Some((unescape(id)?, SecretString::new(unescape(secret)?))))
}

fn credentials(headers: &HeaderMap, form: &mut TokenForm) -> Result<ClientCredentials, Error> {
    match basic_credentials(headers)? {
        Some(_) if form.client_secret.is_some() => Err(invalid_request(
            "use one client authentication method, not two",
        )),
        Some((id, _)) if form.client_id.as_deref().is_some_and(|f| f != id) => Err(
            invalid_request("client_id differs from the authenticated client"),
        ),
        Some((id, secret)) => Ok(ClientCredentials {
            client_id: Some(id),
            secret: Some(secret),
        }),
        None => Ok(ClientCredentials {
            client_id: form.client_id.take(),
            secret: form.client_secret.take(),
        }),
    }
}

pub async fn token(
    State(state): State<AppState>,
    ip: ClientIp,
    at: RequestTime,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, Error> {
    let Form(mut form) =
        form.map_err(|_| invalid_request("expected an application/x-www-form-urlencoded body"))?;
    let ctx = ctx(DEFAULT_TENANT, ip, at);
    let credentials = credentials(&headers, &mut form)?;
    let request = match form.grant_type.as_deref() {
        Some("authorization_code") => GrantRequest::AuthorizationCode {
            code: form
                .code
                .ok_or_else(|| invalid_request("code is required"))?,
            redirect_uri: form.redirect_uri,
            code_verifier: form.code_verifier,
        },
        Some("refresh_token") => GrantRequest::RefreshToken {
            refresh_token: form
                .refresh_token
                .ok_or_else(|| invalid_request("refresh_token is required"))?,
        },
        Some(_) => {
            return Err(Error::OAuth {
                error: OAuthError::UnsupportedGrantType,
                description: "grant_type may be authorization_code or refresh_token".to_owned(),
            });
        }
        None => return Err(invalid_request("grant_type is required")),
    };
    let app = oauth::authenticate_client(&state, &ctx, &credentials).await?;
    let tokens = oauth::token(&state, &ctx, &app, request).await?;
    let body = json!({
        "access_token": tokens.access_token,
        "token_type": "Bearer",
        "expires_in": tokens.expires_in,
        "id_token": tokens.id_token,
        "refresh_token": tokens.refresh_token.expose(),
        "scope": tokens.scope,
    });
    let mut response = axum::Json(body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(pair: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let value = format!("Basic {}", BASE64.encode(pair.as_bytes()));
        headers.insert(header::AUTHORIZATION, value.parse().unwrap());
        headers
    }

    #[test]
    fn basic_credentials_are_form_urldecoded_whole() {
        let (id, secret) = basic_credentials(&basic("a%3Ab=c:s&t=u+v%2B"))
            .unwrap()
            .unwrap();
        assert_eq!(id, "a:b=c");
        assert_eq!(secret.expose(), "s&t=u v+");
        assert!(basic_credentials(&basic("no-colon")).is_err());
        assert!(basic_credentials(&basic("id:%FF")).is_err(), "not UTF-8");
        assert!(basic_credentials(&HeaderMap::new()).unwrap().is_none());
    }
}
