//! The MFA precheck of an auth request: what a login UI needs to know (the prelogin metadata),
//! and `continue`, which hands out an authorization code only when the whole requirement holds.

use serde_json::json;
use twofold_core::app::App;
use twofold_core::authorize::AuthRequest;
use twofold_core::device::{self, Device};
use twofold_core::event::EventType;
use twofold_core::grant::Grant;
use twofold_core::mfa_info::{MfaInfo, UserMfa};
use twofold_core::precheck::{self, Authentication, Decision, Outcome, Precheck};
use twofold_core::quota::Scope;
use twofold_core::risk::{self, Signals};
use twofold_core::secrets::{self, AUTHORIZATION_CODE_PREFIX, SecretString, TokenHash};
use twofold_core::session::Session;
use twofold_core::user::User;

use super::client_redirect::{self, Answer};
pub use super::precheck_subject::Subject;
use super::session_view::{Policy, active_factors_of, policy_of};
use super::{Ctx, auth_requests, devices, events};
use crate::error::Error;
use crate::random;
use crate::state::Inner;

const CODE: &str = "authorization-code";

pub struct Evaluated {
    pub subject: Subject,
    pub outcome: Outcome,
}

/// Decides, with no side effects, whether the session satisfies the request right now.
pub async fn evaluate(
    state: &Inner,
    ctx: &Ctx,
    request: AuthRequest,
    app: App,
    session: Session,
    device_token: Option<&SecretString>,
) -> Result<Evaluated, Error> {
    let settings = state.settings(&ctx.tenant_id).await?;
    let user = match &session.user_id {
        Some(id) => state.store.user(&ctx.tenant_id, id).await?,
        None => None,
    };
    let active = match &user {
        Some(user) => active_factors_of(state, user).await?,
        None => Vec::new(),
    };
    let device = match (&user, device_token) {
        (Some(user), Some(token)) => devices::of_token(state, user, token).await?,
        _ => None,
    };
    let signals = match &user {
        Some(user) => signals(state, ctx, user, device.as_ref()).await?,
        None => Signals::default(),
    };
    let subject = Subject {
        request,
        app,
        session,
        user,
        active,
        settings,
        device,
    };
    let policy = match &subject.user {
        Some(user) => policy_of(state, user).await?,
        None => Policy::default(),
    };
    let outcome = match &subject.user {
        Some(user) => precheck::decide_in(
            &Precheck {
                settings: &subject.settings,
                server: state.capabilities(),
                app: &subject.app,
                request: &subject.request,
                session: &subject.session,
                user: UserMfa {
                    mfa_enabled: user.mfa_enabled,
                    required_factors: &user.required_factors,
                    active_factors: &subject.active,
                },
                lock: user.lock_at(ctx.now),
                signals,
                now: ctx.now,
            },
            &policy.context(ctx.now),
        ),
        // Nobody by that name (a stand-in session): nothing can pass.
        None => Outcome {
            decision: Decision::LoginRequired,
            risk: risk::score(&signals, ctx.now),
            app_requires_mfa: false,
        },
    };
    Ok(Evaluated { subject, outcome })
}

async fn signals(
    state: &Inner,
    ctx: &Ctx,
    user: &User,
    device: Option<&Device>,
) -> Result<Signals, Error> {
    let known_network = match ctx.ip.as_deref().and_then(device::network_of) {
        Some(network) => state.store.knows_network(&user.id, &network).await?,
        None => false,
    };
    let recent_failures = state
        .store
        .count_hits(
            &ctx.tenant_id,
            Scope::FailedCheckUser,
            &user.id,
            ctx.now.minus_seconds(risk::RECENT_FAILURES_SECONDS),
        )
        .await?
        .count;
    Ok(Signals {
        known_device: device.is_some_and(|d| d.is_trusted(ctx.now)),
        known_network,
        recent_failures,
        last_second_factor_at: device.and_then(|d| d.last_second_factor_at),
    })
}

/// What `continue` answers when the requirement holds.
pub struct Continued {
    pub redirect_uri: String,
    /// A new device cookie value, when this sign-in created one.
    pub device_token: Option<SecretString>,
    pub device_trusted: bool,
}

pub struct ContinueInput<'a> {
    pub session_id: &'a str,
    pub session_token: &'a SecretString,
    pub device_token: Option<&'a SecretString>,
    pub trust_device: bool,
}

pub async fn continue_request(
    state: &Inner,
    ctx: &Ctx,
    request_id: &str,
    input: ContinueInput<'_>,
) -> Result<Continued, Error> {
    let request = auth_requests::live_request(state, ctx, request_id).await?;
    let session =
        auth_requests::session_for(state, ctx, &request, input.session_id, input.session_token)
            .await?;
    let ctx = Ctx {
        session_id: Some(session.id.clone()),
        ..ctx.clone()
    };
    let app = auth_requests::app_of(state, &ctx, &request).await?;
    let Evaluated { subject, outcome } =
        evaluate(state, &ctx, request, app, session, input.device_token).await?;
    let mut session = subject.session.clone();
    session.risk = Some(outcome.risk.clone());
    state.store.set_session_risk(&session).await?;
    let user_id = session.user_id.as_deref();
    let detail = json!({
        "auth_request_id": subject.request.id,
        "client_id": subject.request.request.client_id,
        "app_mode": subject.app.mfa.mode,
        "app_requires_mfa": outcome.app_requires_mfa,
        "risk": outcome.risk,
    });
    let authentication = match outcome.decision {
        Decision::Ready(authentication) => authentication,
        refused => {
            let error = refusal(state.issuer(), &subject, refused);
            let mut detail = detail;
            detail["refused"] = json!(error.to_string());
            events::record(state, &ctx, EventType::PrecheckRefused, user_id, detail).await?;
            return Err(error);
        }
    };
    let Some(user) = &subject.user else {
        return Err(Error::Unauthorized);
    };
    devices::refuse_forbidden_trust(&subject, input.trust_device)?;
    if !state
        .store
        .consume_auth_request(&subject.request.id, &session.id, ctx.now)
        .await?
    {
        return Err(Error::Conflict(
            "this auth request was already answered; start again at /oauth/authorize".to_owned(),
        ));
    }
    let (code, grant) = new_grant(state, &ctx, &subject, user, authentication)?;
    state
        .store
        .insert_grant(&grant, &code_hash(state, code.expose()))
        .await?;
    let remembered = devices::after_sign_in(state, &ctx, &subject, input.trust_device).await?;
    let mut detail = detail;
    detail["grant_id"] = json!(grant.id);
    detail["amr"] = json!(grant.authentication.amr);
    detail["acr"] = json!(grant.authentication.acr);
    events::record(state, &ctx, EventType::CodeIssued, user_id, detail).await?;
    Ok(Continued {
        redirect_uri: client_redirect::to_client(
            &subject.request.request.redirect_uri,
            Answer::Code(code.expose()),
            subject.request.request.state.as_deref(),
            state.issuer(),
        )?
        .to_string(),
        device_token: remembered.new_token,
        device_trusted: remembered.trusted,
    })
}

/// The hash under which an authorization code is stored.
pub fn code_hash(state: &Inner, code: &str) -> TokenHash {
    state.hashing.hash(CODE, code)
}

fn new_grant(
    state: &Inner,
    ctx: &Ctx,
    subject: &Subject,
    user: &User,
    authentication: Authentication,
) -> Result<(SecretString, Grant), Error> {
    let code = secrets::format_token(
        AUTHORIZATION_CODE_PREFIX,
        &random::bytes(state.random.as_ref())?,
    );
    let r = &subject.request.request;
    let grant = Grant {
        id: random::new_id(state.random.as_ref())?,
        tenant_id: ctx.tenant_id.clone(),
        client_id: r.client_id.clone(),
        user_id: user.id.clone(),
        session_id: subject.session.id.clone(),
        redirect_uri: r.redirect_uri.clone(),
        scope: r.scope.clone(),
        nonce: r.nonce.clone(),
        code_challenge: r.code_challenge.clone(),
        authentication,
        created_at: ctx.now,
        code_expires_at: ctx.now.plus_seconds(subject.settings.oidc.code_lifetime),
        revoked_at: None,
    };
    Ok((code, grant))
}

fn refusal(issuer: &str, subject: &Subject, decision: Decision) -> Error {
    match decision {
        Decision::LoginRequired => Error::LoginRequired {
            next: subject.settings.first_factors.clone(),
        },
        Decision::MfaRequired(info) if info.setup_required => {
            Error::SetupRequired { next: info.next }
        }
        Decision::MfaRequired(info) => Error::MfaRequired { next: info.next },
        Decision::Locked(lock) => Error::Locked {
            until: lock.until(),
        },
        Decision::Unsatisfiable(reason) => Error::InsufficientAuthentication {
            redirect_uri: client_redirect::to_client(
                &subject.request.request.redirect_uri,
                Answer::Error {
                    error: "insufficient_user_authentication",
                    description: &reason,
                },
                subject.request.request.state.as_deref(),
                issuer,
            )
            .ok()
            .map(|url| url.to_string()),
            reason,
        },
        Decision::Ready(_) => Error::Internal("a ready decision is not a refusal".to_owned()),
    }
}

/// The prelogin answer's `validation_type`: the decision `continue` would act on.
pub fn validation_type(evaluated: &Evaluated) -> &'static str {
    match &evaluated.outcome.decision {
        Decision::LoginRequired => "login_required",
        Decision::Locked(_) => "locked",
        Decision::Ready(_) => "ready",
        Decision::MfaRequired(info) if info.setup_required => "mfa_setup_required",
        Decision::MfaRequired(_) => "mfa_required",
        Decision::Unsatisfiable(_) => "insufficient_user_authentication",
    }
}

/// The MFA info behind a decision, for `configured_methods` and `next`.
pub fn info_of(decision: &Decision) -> Option<&MfaInfo> {
    match decision {
        Decision::MfaRequired(info) => Some(info),
        _ => None,
    }
}
