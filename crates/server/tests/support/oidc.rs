//! Driving the OAuth precheck flow over HTTP the way a custom login UI and a relying party do.

use serde_json::{Value, json};

use super::{PASSWORD, Resp, Session, TestApp, TestUser};

pub const REDIRECT_URI: &str = "http://127.0.0.1:9/cb";
pub const LOGIN_URL: &str = "https://login.example.com/sign-in";
/// RFC 7636's example pair.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

pub struct Client {
    pub client_id: String,
    pub secret: Option<String>,
}

/// A confidential app with `mfa` as its policy, its login UI at [`LOGIN_URL`].
pub async fn register(app: &TestApp, mfa: Value) -> Client {
    let created = app
        .admin_post(
            "/v1/apps",
            json!({"name": "Portal", "redirect_uris": [REDIRECT_URI], "login_url": LOGIN_URL, "mfa": mfa}),
        )
        .await
        .created();
    Client {
        client_id: created["client_id"].as_str().unwrap().to_owned(),
        secret: created["client_secret"].as_str().map(str::to_owned),
    }
}

pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Follows an authorize URL to the login UI and returns the auth request id it carries.
pub async fn auth_request_from(url: &str) -> String {
    let response = no_redirects().get(url).send().await.unwrap();
    assert_eq!(response.status(), 302, "{:?}", response.text().await);
    let to = reqwest::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    assert!(to.as_str().starts_with(LOGIN_URL), "{to}");
    to.query_pairs()
        .find(|(k, _)| k == "auth_request_id")
        .map(|(_, v)| v.into_owned())
        .unwrap()
}

/// An authorization request with PKCE, `state` and `nonce`, plus `extra` parameters.
pub async fn authorize(app: &TestApp, client: &Client, extra: &[(&str, &str)]) -> String {
    let mut url = reqwest::Url::parse(&format!("{}/oauth/authorize", app.base)).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", &client.client_id)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid email profile")
        .append_pair("state", "st-1")
        .append_pair("nonce", "n-1")
        .append_pair("code_challenge", CHALLENGE)
        .append_pair("code_challenge_method", "S256")
        .extend_pairs(extra);
    auth_request_from(url.as_str()).await
}

/// The login UI's first step: a session for the request, with the user's password.
pub async fn sign_in_for(app: &TestApp, user: &TestUser, request_id: &str) -> Session {
    let body = app
        .request(
            reqwest::Method::POST,
            "/v1/sessions",
            None,
            Some(json!({
                "auth_request_id": request_id,
                "checks": {"user": {"login_name": user.username}, "password": {"password": PASSWORD}},
            })),
        )
        .await
        .created();
    Session::from(&body)
}

pub async fn continue_with(
    app: &TestApp,
    request_id: &str,
    session: &Session,
    extra: Value,
) -> Resp {
    let mut body = json!({"session_id": session.id, "session_token": session.token});
    super::merge(&mut body, extra);
    app.request(
        reqwest::Method::POST,
        &format!("/v1/auth-requests/{request_id}/continue"),
        None,
        Some(body),
    )
    .await
}

pub async fn metadata(app: &TestApp, request_id: &str, session: Option<&Session>) -> Value {
    app.request(
        reqwest::Method::GET,
        &format!("/v1/auth-requests/{request_id}"),
        session.map(|s| s.token.as_str()),
        None,
    )
    .await
    .ok()
}

/// The `code` of a redirect URI answered by `continue`, after checking `state` and `iss`.
pub fn code_of(app: &TestApp, redirect_uri: &str) -> String {
    let url = reqwest::Url::parse(redirect_uri).unwrap();
    assert!(url.as_str().starts_with(REDIRECT_URI));
    let get = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(get("state").as_deref(), Some("st-1"));
    assert_eq!(get("iss").as_deref(), Some(app.base.as_str()));
    get("code").unwrap()
}

/// `POST /oauth/token` with `client_secret_post`.
pub async fn token(app: &TestApp, client: &Client, form: &[(&str, &str)]) -> Resp {
    let mut fields: Vec<(&str, &str)> = vec![("client_id", &client.client_id)];
    if let Some(secret) = &client.secret {
        fields.push(("client_secret", secret));
    }
    fields.extend_from_slice(form);
    let response = app
        .http
        .post(format!("{}/oauth/token", app.base))
        .form(&fields)
        .send()
        .await
        .unwrap();
    Resp::from(response).await
}

pub async fn exchange(app: &TestApp, client: &Client, code: &str) -> Resp {
    token(
        app,
        client,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", VERIFIER),
        ],
    )
    .await
}

pub async fn userinfo(app: &TestApp, access_token: &str) -> Resp {
    app.request(
        reqwest::Method::GET,
        "/oauth/userinfo",
        Some(access_token),
        None,
    )
    .await
}

/// An ID token's claims, read without verification (the openidconnect tests verify signatures).
pub fn claims_of(jwt: &str) -> Value {
    use data_encoding::BASE64URL_NOPAD;
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&BASE64URL_NOPAD.decode(payload.as_bytes()).unwrap()).unwrap()
}

/// The code `continue` answers for a session whose sign-in satisfies the request.
pub async fn code_from(app: &TestApp, request_id: &str, session: &Session) -> String {
    let answered = continue_with(app, request_id, session, json!({}))
        .await
        .ok();
    code_of(app, answered["redirect_uri"].as_str().unwrap())
}

/// The ID token's claims once `continue` answered a code and the client exchanged it.
pub async fn id_claims_from(
    app: &TestApp,
    client: &Client,
    request_id: &str,
    session: &Session,
) -> Value {
    let code = code_from(app, request_id, session).await;
    let tokens = exchange(app, client, &code).await.ok();
    claims_of(tokens["id_token"].as_str().unwrap())
}

/// A code for `user` from a complete password sign-in through the precheck.
pub async fn code_for(app: &TestApp, client: &Client, user: &TestUser) -> String {
    let request = authorize(app, client, &[]).await;
    let session = sign_in_for(app, user, &request).await;
    code_from(app, &request, &session).await
}
