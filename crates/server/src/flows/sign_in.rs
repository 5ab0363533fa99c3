//! Sessions: a sign-in built up check by check. A failed check answers its problem and leaves the
//! session exactly as it was; a successful update rotates the session token.

use serde_json::json;
use twofold_core::Factor;
use twofold_core::challenge::Channel;
use twofold_core::check::CheckOutcome;
use twofold_core::event::EventType;
use twofold_core::secrets::SecretString;
use twofold_core::session::{Check, Session};
use twofold_core::settings::LoginSettings;
use twofold_core::step::Proof;
use twofold_core::{first_factor, names};
use twofold_store::{SessionWrite, StepState};

use super::factors::codes::Issued;
use super::factors::codes::sign_in::start_challenges;
use super::factors::push::sign_in::{self as push_sign_in, PushIssued};
use super::factors::security_questions::{self, AskedQuestions};
use super::factors::webauthn::sign_in::{self as webauthn_sign_in, WebauthnCheck, WebauthnIssued};
use super::factors::{backup_codes, codes, password, totp};
use super::session_commit::{code_error, save_rotated, settle};
pub use super::session_input::{Challenges, Checks, CodeChallenge, Step, UserCheck};
use super::session_view::view_of;
use super::step_writes::Pending;
use super::subject::{Subject, second_factor_gate};
use super::{Ctx, events, tokens};

pub use super::session_view::{SessionView, view};
use crate::error::Error;
use crate::random;
use crate::state::Inner;

pub async fn create(
    state: &Inner,
    ctx: &Ctx,
    step: Step,
    client_id: Option<String>,
) -> Result<(SessionView, SecretString), Error> {
    let settings = state.settings(&ctx.tenant_id).await?;
    let id = random::new_id(state.random.as_ref())?;
    let ctx = Ctx {
        session_id: Some(id.clone()),
        ..ctx.clone()
    };
    let mut session = Session::new(id, ctx.tenant_id.clone(), ctx.now, &settings);
    session.client_id = client_id.map(|c| bounded("client_id", c)).transpose()?;
    let settings = for_app(state, settings, &session).await?;
    let mut subject = Subject {
        user: None,
        authenticators: None,
    };
    let mut pending = Pending::default();
    let advanced = advance(
        state,
        &ctx,
        &settings,
        &mut session,
        &mut subject,
        step,
        &mut pending,
    )
    .await;
    let started = given_back_unless_ok(state, &pending, advanced).await?;
    let (token, hash) = tokens::new_session_token(state)?;
    let detail = json!({"checks": session.checks.keys().collect::<Vec<_>>(), "client_id": session.client_id});
    pending.event(events::new(
        &ctx,
        EventType::SessionCreated,
        session.user_id.as_deref(),
        detail,
    ));
    let write = SessionWrite::Insert {
        session: session.clone(),
        token: hash,
    };
    settle(state, &ctx, &settings, pending.apply(state, write).await?).await?;
    let mut view = view_of(state, &settings, session, subject, ctx.now).await?;
    view.challenges = started.issued;
    view.webauthn = started.webauthn;
    view.security_questions = started.asked;
    view.push = started.push;
    Ok((view, token))
}

pub async fn update(
    state: &Inner,
    ctx: &Ctx,
    id: &str,
    token: &SecretString,
    step: Step,
) -> Result<(SessionView, SecretString), Error> {
    let StepState {
        mut session,
        token: current,
        user,
        authenticators,
    } = state
        .store
        .load_step(id)
        .await?
        .ok_or(Error::NotFound("session"))?;
    if !current.matches(&tokens::session_token_hash(state, token)) || session.is_expired(ctx.now) {
        return Err(Error::Unauthorized);
    }
    let ctx = Ctx {
        tenant_id: session.tenant_id.clone(),
        session_id: Some(session.id.clone()),
        ..ctx.clone()
    };
    let settings = state.settings(&ctx.tenant_id).await?;
    let settings = for_app(state, settings, &session).await?;
    let mut subject = Subject {
        user,
        authenticators: Some(authenticators),
    };
    let mut pending = Pending::default();
    let advanced = advance(
        state,
        &ctx,
        &settings,
        &mut session,
        &mut subject,
        step,
        &mut pending,
    )
    .await;
    let started = given_back_unless_ok(state, &pending, advanced).await?;
    let next_token = save_rotated(state, &ctx, &settings, &mut session, current, pending).await?;
    let mut view = view_of(state, &settings, session, subject, ctx.now).await?;
    view.challenges = started.issued;
    view.webauthn = started.webauthn;
    view.security_questions = started.asked;
    view.push = started.push;
    Ok((view, next_token))
}

/// The settings a session's checks answer to: a session started for an app (`client_id`, or an
/// auth request's) accepts only the app's first factors where it names any, by the rule the
/// precheck applies (`first_factor::settings_for_app`), so a check the app's code would never
/// count is refused when it is made. An app that is gone narrows nothing: its requests fail at
/// the precheck anyway.
async fn for_app(
    state: &Inner,
    settings: LoginSettings,
    session: &Session,
) -> Result<LoginSettings, Error> {
    let Some(client_id) = &session.client_id else {
        return Ok(settings);
    };
    let app = state.store.app(&session.tenant_id, client_id).await?;
    Ok(first_factor::settings_for_app(
        &settings,
        app.as_ref().map(|a| &a.mfa),
    ))
}

/// A step that failed before it could be written gives back the attempts its passes reserved.
async fn given_back_unless_ok<T>(
    state: &Inner,
    pending: &Pending,
    advanced: Result<T, Error>,
) -> Result<T, Error> {
    if advanced.is_err() {
        pending.release(state).await?;
    }
    advanced
}

/// Signing out ends the session and every grant it led to: refresh tokens stop working and
/// userinfo refuses the access tokens.
pub async fn terminate(state: &Inner, ctx: &Ctx, session: &Session) -> Result<(), Error> {
    state.store.delete_session(&session.id).await?;
    let revoked = state
        .store
        .revoke_grants_of_session(&session.id, ctx.now)
        .await?;
    let ctx = Ctx {
        session_id: Some(session.id.clone()),
        ..ctx.clone()
    };
    events::record(
        state,
        &ctx,
        EventType::SessionTerminated,
        session.user_id.as_deref(),
        json!({"grants_revoked": revoked}),
    )
    .await
}

/// The challenges a step started, for its answer.
struct Started {
    issued: Vec<Issued>,
    webauthn: Option<WebauthnIssued>,
    asked: Option<AskedQuestions>,
    push: Option<PushIssued>,
}

/// Checks, then challenges: one step of a sign-in, shared by create and update.
async fn advance(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    session: &mut Session,
    subject: &mut Subject,
    step: Step,
    pending: &mut Pending,
) -> Result<Started, Error> {
    let Step {
        checks,
        mut challenges,
        admin,
    } = step;
    apply(state, ctx, settings, session, subject, checks, pending).await?;
    let webauthn = match challenges.webauthn.take() {
        Some(asked) => {
            Some(webauthn_sign_in::start(state, ctx, settings, session, subject, asked).await?)
        }
        None => None,
    };
    let asked = match challenges.security_questions {
        true => Some(security_questions::ask(state, ctx, settings, session, subject).await?),
        false => None,
    };
    let push = match challenges.push.take() {
        Some(_) => {
            let user = second_factor_gate(settings, session, subject, Factor::Push, ctx.now)?;
            let user = user.clone();
            let authenticators = subject.authenticators(state).await?;
            Some(push_sign_in::start(state, ctx, settings, session, &user, authenticators).await?)
        }
        None => None,
    };
    let issued =
        start_challenges(state, ctx, settings, session, subject, challenges, admin).await?;
    Ok(Started {
        issued,
        webauthn,
        asked,
        push,
    })
}

async fn apply(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    session: &mut Session,
    subject: &mut Subject,
    mut checks: Checks,
    pending: &mut Pending,
) -> Result<(), Error> {
    pending.offer_captcha(checks.captcha.take());
    let (user_check, proofs) = checks.into_proofs();
    if let Some(check) = user_check {
        identify(state, ctx, session, subject, check).await?;
    }
    for proof in proofs {
        prove(state, ctx, settings, session, subject, proof, pending).await?;
    }
    Ok(())
}

/// One proof, checked by its factor's flow; a pass counts in the session with the step.
async fn prove(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    session: &mut Session,
    subject: &mut Subject,
    proof: Proof<WebauthnCheck>,
    pending: &mut Pending,
) -> Result<(), Error> {
    let factor = proof.factor();
    let outcome = match proof {
        Proof::Password(password) => {
            let Some(subject_id) = session.user_id.clone() else {
                return Err(Error::InvalidRequest(
                    "checks.user must identify the user before a password check".to_owned(),
                ));
            };
            if !settings.first_factors.contains(&Factor::Password) {
                return Err(Error::Forbidden(
                    "passwords are not enabled for this sign-in".to_owned(),
                ));
            }
            let user = subject.user.as_ref();
            let outcome =
                password::password(state, ctx, settings, &subject_id, user, &password, pending)
                    .await?;
            return record_outcome(ctx, session, pending, (outcome, false), |_| {
                Error::InvalidCredentials
            });
        }
        Proof::Totp(code) if totp::opens_sign_in(settings, session, ctx.now) => {
            let Some(subject_id) = session.user_id.clone() else {
                return Err(Error::InvalidRequest(
                    "checks.user must identify the user before a totp check".to_owned(),
                ));
            };
            let user = subject.user.clone();
            let authenticators = subject.authenticators(state).await?;
            let (user, code) = (user.as_ref(), code.expose());
            totp::first_factor(
                state,
                ctx,
                settings,
                &subject_id,
                user,
                authenticators,
                code,
                pending,
            )
            .await?
        }
        Proof::Totp(code) => {
            let user = second_factor_gate(settings, session, subject, factor, ctx.now)?.clone();
            let authenticators = subject.authenticators(state).await?;
            let code = code.expose();
            totp::check(state, ctx, settings, &user, authenticators, code, pending).await?
        }
        Proof::OtpSms(code) => {
            let user = second_factor_gate(settings, session, subject, factor, ctx.now)?.clone();
            let (channel, code) = (Channel::Sms, code.expose());
            codes::sign_in::check(state, ctx, settings, &user, channel, code, pending).await?
        }
        Proof::OtpEmail(code) => {
            let user = second_factor_gate(settings, session, subject, factor, ctx.now)?.clone();
            let (channel, code) = (Channel::Email, code.expose());
            codes::sign_in::check(state, ctx, settings, &user, channel, code, pending).await?
        }
        Proof::Webauthn(check) => {
            webauthn_sign_in::check(state, ctx, settings, session, subject, check, pending).await?
        }
        Proof::BackupCode(code) => {
            let user = second_factor_gate(settings, session, subject, factor, ctx.now)?.clone();
            let code = code.expose();
            backup_codes::check(state, ctx, settings, &user, code, pending).await?
        }
        Proof::SecurityQuestions {
            exchange_id,
            answers,
        } => {
            let user = second_factor_gate(settings, session, subject, factor, ctx.now)?.clone();
            let id = exchange_id.as_str();
            security_questions::check(state, ctx, settings, &user, id, &answers, pending).await?
        }
        Proof::Push(exchange_id) => {
            let user = second_factor_gate(settings, session, subject, factor, ctx.now)?.clone();
            let id = exchange_id.as_str();
            let checked = push_sign_in::check(state, ctx, session, &user, id, pending).await?;
            return record_outcome(ctx, session, pending, checked, code_error);
        }
    };
    record_outcome(ctx, session, pending, (outcome, false), code_error)
}

async fn identify(
    state: &Inner,
    ctx: &Ctx,
    session: &mut Session,
    subject: &mut Subject,
    check: UserCheck,
) -> Result<(), Error> {
    let (found, asked) = match (check.login_name, check.user_id) {
        (Some(name), None) => {
            let name = bounded("login_name", names::normalise_login_name(&name))?;
            (
                state
                    .store
                    .user_by_login_name(&ctx.tenant_id, &name)
                    .await?,
                name,
            )
        }
        (None, Some(id)) => {
            let id = bounded("user_id", id)?;
            (state.store.user(&ctx.tenant_id, &id).await?, id)
        }
        _ => {
            return Err(Error::InvalidRequest(
                "checks.user needs exactly one of login_name and user_id".to_owned(),
            ));
        }
    };
    // Nobody by that name: a stable stand-in id, so the answer looks like any other user's.
    let id = match &found {
        Some(user) => user.id.clone(),
        None => random::stand_in_id(
            &state
                .hashing
                .hash(&format!("stand-in:{}", ctx.tenant_id), &asked)
                .0,
        ),
    };
    session.identify(&id, ctx.now)?;
    *subject = Subject {
        user: found,
        authenticators: None,
    };
    Ok(())
}

/// A pass counts in the session and is told in the audit log, both with the step; with it,
/// whether the check verified the person (only a push says so apart from its factor).
fn record_outcome(
    ctx: &Ctx,
    session: &mut Session,
    pending: &mut Pending,
    (outcome, user_verified): (CheckOutcome, bool),
    failure: impl Fn(CheckOutcome) -> Error,
) -> Result<(), Error> {
    match outcome {
        CheckOutcome::Passed { factor, at } => {
            session.record_check(factor, Check { at, user_verified });
            let detail = if user_verified {
                json!({"factor": factor, "user_verified": true})
            } else {
                json!({"factor": factor})
            };
            pending.event(events::new(
                ctx,
                EventType::SessionCheckPassed,
                session.user_id.as_deref(),
                detail,
            ));
            Ok(())
        }
        CheckOutcome::Locked { until } => Err(Error::Locked { until }),
        other => Err(failure(other)),
    }
}

fn bounded(field: &str, value: String) -> Result<String, Error> {
    if value.is_empty() || value.len() > 256 {
        return Err(Error::InvalidRequest(format!(
            "{field} must have 1 to 256 characters"
        )));
    }
    Ok(value)
}
