use super::*;
use crate::app::AppMfa;

fn app(public: bool) -> App {
    App {
        client_id: "c1".into(),
        tenant_id: "t".into(),
        name: "Portal".into(),
        public,
        secret_hash: None,
        redirect_uris: vec!["https://rp.example.com/cb".into()],
        login_url: Some("https://rp.example.com/login".into()),
        mfa: AppMfa::default(),
        created_at: UnixTime(0),
        updated_at: UnixTime(0),
    }
}

fn params() -> AuthorizeParams {
    AuthorizeParams {
        client_id: Some("c1".into()),
        redirect_uri: Some("https://rp.example.com/cb".into()),
        response_type: Some("code".into()),
        scope: Some("openid email unknown email".into()),
        state: Some("xyz".into()),
        code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
        code_challenge_method: Some("S256".into()),
        ..AuthorizeParams::default()
    }
}

fn redirected_error(result: Result<ValidRequest, Refusal>) -> &'static str {
    match result {
        Err(Refusal::Redirect { error, state, .. }) => {
            assert_eq!(
                state.as_deref(),
                Some("xyz"),
                "state goes back with the error"
            );
            error
        }
        other => panic!("expected a redirected error, got {other:?}"),
    }
}

#[test]
fn a_good_request_passes_with_everything_parsed() {
    let valid = validate(
        &AuthorizeParams {
            max_age: Some("300".into()),
            acr_values: Some("urn:twofold:acr:mfa phr".into()),
            ..params()
        },
        Some(&app(true)),
    )
    .unwrap();
    assert_eq!(valid.scope, vec!["openid", "email"]);
    assert_eq!(valid.max_age, Some(300));
    assert_eq!(valid.acr_values, vec!["urn:twofold:acr:mfa", "phr"]);
}

#[test]
fn unknown_clients_and_foreign_redirect_uris_are_never_redirected_to() {
    assert!(matches!(validate(&params(), None), Err(Refusal::Page(_))));
    let foreign = AuthorizeParams {
        redirect_uri: Some("https://evil.example.com/cb".into()),
        ..params()
    };
    assert!(matches!(
        validate(&foreign, Some(&app(false))),
        Err(Refusal::Page(_))
    ));
    let prefix = AuthorizeParams {
        redirect_uri: Some("https://rp.example.com/cb/../x".into()),
        ..params()
    };
    assert!(matches!(
        validate(&prefix, Some(&app(false))),
        Err(Refusal::Page(_))
    ));
    let missing = AuthorizeParams {
        redirect_uri: None,
        ..params()
    };
    assert!(matches!(
        validate(&missing, Some(&app(false))),
        Err(Refusal::Page(_))
    ));
}

#[test]
fn other_problems_go_back_to_the_client() {
    let public = app(true);
    let cases = [
        (
            AuthorizeParams {
                response_type: Some("token".into()),
                ..params()
            },
            "unsupported_response_type",
        ),
        (
            AuthorizeParams {
                scope: Some("email".into()),
                ..params()
            },
            "invalid_scope",
        ),
        (
            AuthorizeParams {
                code_challenge: None,
                code_challenge_method: None,
                ..params()
            },
            "invalid_request",
        ),
        (
            AuthorizeParams {
                code_challenge_method: Some("plain".into()),
                ..params()
            },
            "invalid_request",
        ),
        (
            AuthorizeParams {
                code_challenge: Some("short".into()),
                ..params()
            },
            "invalid_request",
        ),
        (
            AuthorizeParams {
                max_age: Some("soon".into()),
                ..params()
            },
            "invalid_request",
        ),
        (
            AuthorizeParams {
                prompt: Some("consent".into()),
                ..params()
            },
            "invalid_request",
        ),
        (
            AuthorizeParams {
                nonce: Some("n".repeat(600)),
                ..params()
            },
            "invalid_request",
        ),
    ];
    for (case, expected) in cases {
        assert_eq!(
            redirected_error(validate(&case, Some(&public))),
            expected,
            "{case:?}"
        );
    }
    let confidential_without_pkce = AuthorizeParams {
        code_challenge: None,
        code_challenge_method: None,
        ..params()
    };
    assert!(validate(&confidential_without_pkce, Some(&app(false))).is_ok());
}

#[test]
fn only_the_bound_session_of_the_requests_app_may_answer_it() {
    let settings = crate::settings::LoginSettings::default();
    let valid = validate(&params(), Some(&app(true))).unwrap();
    let mut request = AuthRequest {
        id: "r".into(),
        tenant_id: "t".into(),
        request: valid,
        created_at: UnixTime(0),
        expires_at: UnixTime(600),
        session_id: None,
        consumed_at: None,
    };
    let mut session = Session::new("s1".into(), "t".into(), UnixTime(0), &settings);
    assert_eq!(request.refusal_for(&session), None, "unbound: any session");
    session.client_id = Some("other".into());
    assert!(
        request.refusal_for(&session).is_some(),
        "another app's session"
    );
    session.client_id = Some("c1".into());
    request.session_id = Some("s2".into());
    assert!(request.refusal_for(&session).is_some(), "bound to another");
    request.session_id = Some("s1".into());
    assert_eq!(request.refusal_for(&session), None);
}
