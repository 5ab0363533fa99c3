//! WebAuthn registration (security keys and passkeys), and renaming any authenticator.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use twofold_core::factor_change::FactorChange;
use twofold_core::webauthn::CredentialKind;

use super::{created, ctx, ok};
use crate::error::Error;
use crate::flows::enrolment;
use crate::flows::factors::webauthn::enrolment as webauthn_enrolment;
use crate::http::auth::{Caller, ClientIp, RequestTime};
use crate::http::json::{ApiJson, ApiPath};
use crate::http::present;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartBody {
    kind: CredentialKind,
    /// The relying party id the credential is for; only the configured one is accepted.
    domain: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinishBody {
    public_key_credential: Value,
    name: Option<String>,
}

pub async fn start(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    at: RequestTime,
    ApiPath(user_id): ApiPath<String>,
    ApiJson(body): ApiJson<StartBody>,
) -> Result<Response, Error> {
    let ctx = ctx(caller.tenant_id(), ip, at);
    let change = FactorChange::SetUp(body.kind.factor());
    let (user, _) = enrolment::authorize(&state, &ctx, &caller, &user_id, change).await?;
    let started =
        webauthn_enrolment::start(&state, &ctx, &user, body.kind, body.domain.as_deref()).await?;
    Ok(created(json!({
        "authenticator_id": started.authenticator_id,
        "state": "pending",
        "public_key_credential_creation_options": started.options,
    })))
}

pub async fn finish(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    at: RequestTime,
    ApiPath((user_id, authenticator_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<FinishBody>,
) -> Result<Response, Error> {
    let ctx = ctx(caller.tenant_id(), ip, at);
    // Nothing about another user's authenticators is read for a session that is not theirs.
    if let Caller::Session(session) = &caller
        && session.user_id.as_deref() != Some(user_id.as_str())
    {
        return Err(Error::Forbidden(
            "a session may only change its own user".to_owned(),
        ));
    }
    // Another tenant's user is not found, whether or not the authenticator exists.
    if state
        .store
        .user(caller.tenant_id(), &user_id)
        .await?
        .is_none()
    {
        return Err(Error::NotFound("user"));
    }
    // The access asked for is that of the kind being registered.
    let factor = state
        .store
        .authenticators_of(&user_id)
        .await?
        .into_iter()
        .find(|a| a.id == authenticator_id)
        .map(|a| a.factor)
        .filter(|f| CredentialKind::of_factor(*f).is_some())
        .ok_or(Error::NotFound("webauthn authenticator"))?;
    let (user, _) =
        enrolment::authorize(&state, &ctx, &caller, &user_id, FactorChange::SetUp(factor)).await?;
    let active = webauthn_enrolment::finish(
        &state,
        &ctx,
        &user,
        &authenticator_id,
        body.public_key_credential,
        body.name.as_deref(),
    )
    .await?;
    Ok(ok(present::authenticator(&active)))
}
