//! Push devices: enrolment started by the user or an administrator, and the device's own calls
//! (enrol, prove its key, fetch what is pending, answer), which carry signatures instead of a
//! bearer token.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use twofold_core::Factor;
use twofold_core::UnixTime;
use twofold_core::factor_change::FactorChange;
use twofold_core::push::{PushDecision, PushState};
use twofold_core::secrets::SecretString;

use super::{created, ctx, ok};
use crate::error::Error;
use crate::flows::enrolment;
use crate::flows::factors::push::device::{self, Answer};
use crate::flows::factors::push::enrol::{self, DeviceEnrolment};
use crate::http::auth::{Caller, ClientIp, RequestTime};
use crate::http::json::{ApiJson, ApiPath};
use crate::http::present::{self, rfc3339};
use crate::state::{AppState, DEFAULT_TENANT};

/// The unix time the device signed a fetch at, and its signature.
pub const SIGNED_AT_HEADER: &str = "twofold-push-signed-at";
pub const SIGNATURE_HEADER: &str = "twofold-push-signature";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartBody {
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
    let change = FactorChange::SetUp(Factor::Push);
    let (user, _) = enrolment::authorize(&state, &ctx, &caller, &user_id, change).await?;
    let started = enrol::start(&state, &ctx, &user, body.name.as_deref()).await?;
    Ok(created(json!({
        "authenticator_id": started.authenticator.id,
        "name": started.authenticator.name,
        "state": started.authenticator.state.as_str(),
        "enrolment_uri": started.uri,
        "qr_svg": started.qr_svg,
        "expires_at": rfc3339(started.expires_at),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolBody {
    enrolment_code: SecretString,
    public_key: Value,
    name: Option<String>,
    push_token: Option<SecretString>,
}

/// The device attaches its key with the code from the enrolment URI.
pub async fn enrol(
    State(state): State<AppState>,
    ip: ClientIp,
    at: RequestTime,
    ApiJson(body): ApiJson<EnrolBody>,
) -> Result<Response, Error> {
    // The tenant comes from the code; this one only stands in until the code is read.
    let ctx = ctx(DEFAULT_TENANT, ip, at);
    let attached = enrol::attach(
        &state,
        &ctx,
        DeviceEnrolment {
            code: body.enrolment_code,
            public_key: body.public_key,
            name: body.name,
            push_token: body.push_token,
        },
    )
    .await?;
    Ok(created(json!({
        "authenticator_id": attached.authenticator_id,
        "state": "pending",
        "challenge": attached.challenge,
        "expires_at": rfc3339(attached.expires_at),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivateBody {
    signature: String,
}

/// The device signs the enrolment challenge; the authenticator becomes active.
pub async fn activate(
    State(state): State<AppState>,
    ip: ClientIp,
    at: RequestTime,
    ApiPath(authenticator_id): ApiPath<String>,
    ApiJson(body): ApiJson<ActivateBody>,
) -> Result<Response, Error> {
    let ctx = ctx(DEFAULT_TENANT, ip, at);
    let active = enrol::activate(&state, &ctx, &authenticator_id, &body.signature).await?;
    Ok(ok(present::authenticator(&active)))
}

/// What is waiting on the device: app, client address and time, never the number.
pub async fn pending(
    State(state): State<AppState>,
    ip: ClientIp,
    at: RequestTime,
    headers: HeaderMap,
    ApiPath(authenticator_id): ApiPath<String>,
) -> Result<Response, Error> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let signed_at = header(SIGNED_AT_HEADER)
        .and_then(|v| v.parse::<i64>().ok())
        .ok_or(Error::Unauthorized)?;
    let signature = header(SIGNATURE_HEADER).ok_or(Error::Unauthorized)?;
    let ctx = ctx(DEFAULT_TENANT, ip, at);
    let found = device::pending(
        &state,
        &ctx,
        &authenticator_id,
        UnixTime(signed_at),
        signature,
    )
    .await?;
    let listed: Vec<Value> = found
        .iter()
        .map(|s| {
            json!({
                "exchange_id": s.exchange.id,
                "app": s.app,
                "client_ip": s.client_ip,
                "created_at": rfc3339(s.exchange.created_at),
                "expires_at": rfc3339(s.exchange.expires_at),
            })
        })
        .collect();
    Ok(ok(json!({"pending": listed})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    approve: bool,
    number: u8,
    #[serde(default)]
    user_verified: bool,
    signature: String,
}

/// The device's signed approval or denial with the number the person typed.
pub async fn answer(
    State(state): State<AppState>,
    ip: ClientIp,
    at: RequestTime,
    ApiPath(exchange_id): ApiPath<String>,
    ApiJson(body): ApiJson<AnswerBody>,
) -> Result<Response, Error> {
    let ctx = ctx(DEFAULT_TENANT, ip, at);
    let decision = match body.approve {
        true => PushDecision::Approve,
        false => PushDecision::Deny,
    };
    let answer = Answer {
        decision,
        number: body.number,
        user_verified: body.user_verified,
        signature: body.signature,
    };
    let recorded = device::answer(&state, &ctx, &exchange_id, answer).await?;
    let word = match recorded {
        PushState::Approved { .. } => "approved",
        PushState::Denied => "denied",
        PushState::WrongNumber => "wrong_number",
        PushState::Pending => "pending",
    };
    Ok(ok(json!({"exchange_id": exchange_id, "state": word})))
}
