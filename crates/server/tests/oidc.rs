//! The whole OpenID Connect flow driven by a maintained relying-party library (openidconnect):
//! discovery, PKCE, the MFA precheck, code exchange, ID-token signature and nonce, refresh.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use openidconnect::core::{
    CoreClient, CoreErrorResponseType, CoreProviderMetadata, CoreResponseType,
};
use openidconnect::{
    AuthenticationContextClass, AuthenticationFlow, AuthorizationCode, ClientId, ClientSecret,
    CsrfToken, HttpRequest, HttpResponse, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    RedirectUrl, RequestTokenError, Scope, StandardErrorResponse, TokenResponse,
};
use serde_json::json;
use support::apps;
use support::oidc::{self, REDIRECT_URI, continue_with, register, sign_in_for};

/// openidconnect's HTTP client trait, answered with this workspace's reqwest.
async fn http(request: HttpRequest) -> Result<HttpResponse, reqwest::Error> {
    let (parts, body) = request.into_parts();
    let mut outgoing = oidc::no_redirects()
        .request(parts.method, parts.uri.to_string())
        .body(body);
    for (name, value) in &parts.headers {
        outgoing = outgoing.header(name, value);
    }
    let response = outgoing.send().await?;
    let mut built = http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        built = built.header(name, value);
    }
    let bytes = response.bytes().await?;
    Ok(built.body(bytes.to_vec()).unwrap())
}

/// Asserts the token endpoint refused with RFC 6749's `invalid_grant`, nothing else.
fn assert_invalid_grant<T: std::fmt::Debug, RE: std::error::Error + 'static>(
    result: Result<T, RequestTokenError<RE, StandardErrorResponse<CoreErrorResponseType>>>,
) {
    match result {
        Err(RequestTokenError::ServerResponse(refused)) => {
            assert_eq!(
                *refused.error(),
                CoreErrorResponseType::InvalidGrant,
                "{refused:?}"
            );
        }
        other => panic!("expected invalid_grant, got {other:?}"),
    }
}

fn amr_of(claims: &openidconnect::core::CoreIdTokenClaims) -> Vec<String> {
    claims
        .auth_method_refs()
        .map(|amr| amr.iter().map(|v| v.as_str().to_owned()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_relying_party_signs_a_user_in_with_mfa_and_refreshes() {
    for app in apps().await {
        let alice = app.user_with_totp("alice").await;
        let registered = register(&app, json!({"mode": "always"})).await;

        let issuer = IssuerUrl::new(app.base.clone()).unwrap();
        let metadata = CoreProviderMetadata::discover_async(issuer, &http)
            .await
            .unwrap();
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(registered.client_id.clone()),
            registered.secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(RedirectUrl::new(REDIRECT_URI.to_owned()).unwrap());

        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, csrf, nonce) = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".to_owned()))
            .add_auth_context_value(AuthenticationContextClass::new(
                "urn:twofold:acr:mfa".to_owned(),
            ))
            .set_pkce_challenge(challenge)
            .url();

        // The login UI: the request's metadata, a password, the second factor it asks for.
        let request_id = oidc::auth_request_from(url.as_str()).await;
        let mut session = sign_in_for(&app, &alice, &request_id).await;
        let meta = oidc::metadata(&app, &request_id, Some(&session)).await;
        assert_eq!(meta["validation_type"], "mfa_required", "{meta}");
        assert_eq!(meta["mfa"]["configured_methods"], json!(["totp"]));
        continue_with(&app, &request_id, &session, json!({}))
            .await
            .problem("mfa_required");
        let code = alice.totp_now();
        app.check_totp(&mut session, &code).await.ok();
        let answered = continue_with(&app, &request_id, &session, json!({}))
            .await
            .ok();
        let redirect = reqwest::Url::parse(answered["redirect_uri"].as_str().unwrap()).unwrap();
        let state = redirect
            .query_pairs()
            .find(|(k, _)| k == "state")
            .unwrap()
            .1
            .into_owned();
        assert_eq!(&state, csrf.secret(), "state comes back unchanged");
        let code = redirect
            .query_pairs()
            .find(|(k, _)| k == "code")
            .unwrap()
            .1
            .into_owned();

        // The relying party: code + PKCE verifier for tokens; the ID token verified in full.
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.clone()))
            .unwrap()
            .set_pkce_verifier(verifier)
            .request_async(&http)
            .await
            .unwrap();
        let id_token = tokens.id_token().expect("an ID token");
        let claims = id_token
            .claims(&client.id_token_verifier(), &nonce)
            .unwrap();
        assert_eq!(claims.subject().as_str(), alice.id);
        assert_eq!(amr_of(claims), vec!["pwd", "otp", "mfa"]);
        assert_eq!(
            claims.auth_context_ref().map(|a| a.as_str()),
            Some("urn:twofold:acr:mfa")
        );
        assert!(claims.auth_time().is_some());
        // Another nonce does not verify: the token is bound to this request.
        assert!(
            id_token
                .claims(&client.id_token_verifier(), &Nonce::new("other".to_owned()))
                .is_err()
        );

        let info = oidc::userinfo(&app, tokens.access_token().secret())
            .await
            .ok();
        assert_eq!(info["sub"], alice.id.as_str());

        // Refresh rotates: the new pair works, the old refresh token does not.
        let first_refresh = tokens.refresh_token().unwrap().clone();
        let refreshed = client
            .exchange_refresh_token(&first_refresh)
            .unwrap()
            .request_async(&http)
            .await
            .unwrap();
        let refreshed_claims = refreshed
            .id_token()
            .unwrap()
            .claims(&client.id_token_verifier(), |_: Option<&Nonce>| Ok(()))
            .unwrap();
        assert_eq!(amr_of(refreshed_claims), vec!["pwd", "otp", "mfa"]);
        // A rotated refresh token is spent.
        assert_invalid_grant(
            client
                .exchange_refresh_token(&first_refresh)
                .unwrap()
                .request_async(&http)
                .await,
        );
        // Its reuse revoked the grant: the newest refresh token and the access token are dead.
        assert_invalid_grant(
            client
                .exchange_refresh_token(refreshed.refresh_token().unwrap())
                .unwrap()
                .request_async(&http)
                .await,
        );
        oidc::userinfo(&app, refreshed.access_token().secret())
            .await
            .problem("invalid_token");

        // The code was one use.
        assert_invalid_grant(
            client
                .exchange_code(AuthorizationCode::new(code))
                .unwrap()
                .set_pkce_verifier(openidconnect::PkceCodeVerifier::new(
                    oidc::VERIFIER.to_owned(),
                ))
                .request_async(&http)
                .await,
        );
    }
}
