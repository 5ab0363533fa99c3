//! A user's phone and email: set, prove, and turn on the code factors that use them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use twofold_core::challenge::Channel;
use twofold_core::factor_change::FactorChange;
use twofold_core::secrets::SecretString;

use super::{created, ctx, ok};
use crate::error::Error;
use crate::flows::Ctx;
use crate::flows::contacts::{self, Added, ContactOutcome, Proof};
use crate::flows::enrolment;
use crate::flows::factors::codes;
use crate::http::auth::{Caller, ClientIp, RequestTime};
use crate::http::json::{ApiJson, ApiPath};
use crate::http::present;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhoneBody {
    phone: String,
    /// Add a further phone (with a `medium_id` of its own) instead of setting the primary one.
    #[serde(default)]
    add: bool,
    #[serde(default)]
    send_code: bool,
    #[serde(default)]
    return_code: bool,
    #[serde(default)]
    verified: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailBody {
    email: String,
    /// Add a further email (with a `medium_id` of its own) instead of setting the primary one.
    #[serde(default)]
    add: bool,
    #[serde(default)]
    send_code: bool,
    #[serde(default)]
    return_code: bool,
    #[serde(default)]
    verified: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyBody {
    code: SecretString,
}

/// A phone or email to set (or add) and how it is proven.
struct Wanted {
    value: String,
    proof: Proof,
    add: bool,
}

/// At most one of the three; none means send a code.
fn proof(send_code: bool, return_code: bool, verified: bool) -> Result<Proof, Error> {
    match (send_code, return_code, verified) {
        (_, false, false) => Ok(Proof::SendCode),
        (false, true, false) => Ok(Proof::ReturnCode),
        (false, false, true) => Ok(Proof::Verified),
        _ => Err(Error::InvalidRequest(
            "use at most one of send_code, return_code and verified".to_owned(),
        )),
    }
}

async fn set(
    state: AppState,
    caller: Caller,
    ctx: Ctx,
    user_id: String,
    channel: Channel,
    wanted: Wanted,
) -> Result<Response, Error> {
    let Wanted { value, proof, add } = wanted;
    let admin = matches!(caller, Caller::Admin { .. });
    let ctx = Ctx { admin, ..ctx };
    let (user, _) = enrolment::authorize(
        &state,
        &ctx,
        &caller,
        &user_id,
        FactorChange::Contact(channel.factor()),
    )
    .await?;
    if proof == Proof::Verified && !admin {
        return Err(Error::Forbidden(
            "only the admin token may mark a contact point verified".to_owned(),
        ));
    }
    if proof == Proof::ReturnCode
        && !admin
        && !state
            .settings(&ctx.tenant_id)
            .await?
            .otp
            .may_return_code(admin)
    {
        return Err(Error::Forbidden(
            "return_code needs the admin token or otp.allow_return_code".to_owned(),
        ));
    }
    let (medium_id, destination, verified, issued) = if add {
        let Added { contact, issued } =
            contacts::add(&state, &ctx, &user, channel, &value, proof).await?;
        (contact.id, contact.value, contact.verified, issued)
    } else {
        let ContactOutcome { user, issued } =
            contacts::set(&state, &ctx, user, channel, &value, proof).await?;
        let (destination, verified) = match channel {
            Channel::Sms => (user.phone.unwrap_or_default(), user.phone_verified),
            Channel::Email => (user.email.unwrap_or_default(), user.email_verified),
        };
        let primary = contacts::primary_id(channel).to_owned();
        (primary, destination, verified, issued)
    };
    let mut body = json!({
        "medium_id": medium_id,
        "medium": codes::masked(channel, &destination),
        "verified": verified,
    });
    if let Some(issued) = issued {
        body["exchange_id"] = json!(issued.challenge.id);
        body["expires_at"] = json!(present::rfc3339(issued.challenge.expires_at));
        if let Some(code) = &issued.code {
            body["code"] = json!(code.expose());
        }
    }
    Ok(ok(body))
}

async fn verify(
    state: AppState,
    caller: Caller,
    ctx: Ctx,
    user_id: String,
    channel: Channel,
    code: SecretString,
) -> Result<Response, Error> {
    let (user, _) = enrolment::authorize(
        &state,
        &ctx,
        &caller,
        &user_id,
        FactorChange::Contact(channel.factor()),
    )
    .await?;
    let (user, medium_id) = contacts::verify(&state, &ctx, user, channel, code.expose()).await?;
    let destination = match channel {
        Channel::Sms if medium_id == contacts::primary_id(channel) => user.phone,
        Channel::Email if medium_id == contacts::primary_id(channel) => user.email,
        _ => state
            .store
            .contacts_of(&user.id)
            .await?
            .into_iter()
            .find(|c| c.id == medium_id)
            .map(|c| c.value),
    }
    .unwrap_or_default();
    Ok(ok(json!({
        "medium_id": medium_id,
        "medium": codes::masked(channel, &destination),
        "verified": true,
    })))
}

async fn enable(
    state: AppState,
    caller: Caller,
    ctx: Ctx,
    user_id: String,
    channel: Channel,
) -> Result<Response, Error> {
    let (user, _) = enrolment::authorize(
        &state,
        &ctx,
        &caller,
        &user_id,
        FactorChange::SetUp(channel.factor()),
    )
    .await?;
    let authenticator = contacts::enable_factor(&state, &ctx, &user.id, channel).await?;
    Ok(created(present::authenticator(&authenticator)))
}

pub async fn set_phone(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    at: RequestTime,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<PhoneBody>,
) -> Result<Response, Error> {
    let proof = proof(b.send_code, b.return_code, b.verified)?;
    let ctx = ctx(caller.tenant_id(), ip, at);
    let wanted = Wanted {
        value: b.phone,
        proof,
        add: b.add,
    };
    set(state, caller, ctx, id, Channel::Sms, wanted).await
}

pub async fn set_email(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    at: RequestTime,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<EmailBody>,
) -> Result<Response, Error> {
    let proof = proof(b.send_code, b.return_code, b.verified)?;
    let ctx = ctx(caller.tenant_id(), ip, at);
    let wanted = Wanted {
        value: b.email,
        proof,
        add: b.add,
    };
    set(state, caller, ctx, id, Channel::Email, wanted).await
}

pub async fn verify_phone(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    at: RequestTime,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<VerifyBody>,
) -> Result<Response, Error> {
    let ctx = ctx(caller.tenant_id(), ip, at);
    verify(state, caller, ctx, id, Channel::Sms, b.code).await
}

pub async fn verify_email(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    at: RequestTime,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<VerifyBody>,
) -> Result<Response, Error> {
    let ctx = ctx(caller.tenant_id(), ip, at);
    verify(state, caller, ctx, id, Channel::Email, b.code).await
}

pub async fn enable_sms(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    at: RequestTime,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, Error> {
    let ctx = ctx(caller.tenant_id(), ip, at);
    enable(state, caller, ctx, id, Channel::Sms).await
}

pub async fn enable_email(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    at: RequestTime,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, Error> {
    let ctx = ctx(caller.tenant_id(), ip, at);
    enable(state, caller, ctx, id, Channel::Email).await
}

/// Removes a contact: admin token, or the user's own satisfied session (managing factors).
async fn remove(
    state: AppState,
    caller: Caller,
    ctx: Ctx,
    (user_id, medium_id): (String, String),
    channel: Channel,
) -> Result<Response, Error> {
    let (user, _) =
        enrolment::authorize(&state, &ctx, &caller, &user_id, FactorChange::Manage).await?;
    contacts::remove(&state, &ctx, user, channel, &medium_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn remove_phone(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    at: RequestTime,
    ApiPath(ids): ApiPath<(String, String)>,
) -> Result<Response, Error> {
    let ctx = ctx(caller.tenant_id(), ip, at);
    remove(state, caller, ctx, ids, Channel::Sms).await
}

pub async fn remove_email(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    at: RequestTime,
    ApiPath(ids): ApiPath<(String, String)>,
) -> Result<Response, Error> {
    let ctx = ctx(caller.tenant_id(), ip, at);
    remove(state, caller, ctx, ids, Channel::Email).await
}
