//! Enrolling a push device: the user (or an administrator) starts it and gets a one-time
//! enrolment URI; the device posts its public key with the code and gets a challenge; the
//! authenticator is pending until the device has signed that challenge.

use data_encoding::BASE64URL_NOPAD;
use serde_json::{Value, json};
use twofold_core::authenticator::{self, Authenticator, AuthenticatorState};
use twofold_core::event::EventType;
use twofold_core::names;
use twofold_core::push::{self, DeviceKey, ENROLMENT_CODE_PREFIX, EnrolmentUri};
use twofold_core::secrets::{self, NONCE_LEN, SecretString};
use twofold_core::user::User;
use twofold_core::{Factor, UnixTime};
use twofold_store::PushEnrolment;

use super::{ENROLMENT_CODE, key_of};
use crate::error::Error;
use crate::flows::factors::totp::qr_svg;
use crate::flows::{Ctx, events};
use crate::random;
use crate::state::Inner;

/// A push token is the platform's opaque device address (APNs, FCM): bounded, one printable line.
const MAX_PUSH_TOKEN: usize = 4096;

pub struct Started {
    pub authenticator: Authenticator,
    pub uri: String,
    pub qr_svg: String,
    pub expires_at: UnixTime,
}

/// Starts enrolling a push device for `user`: a pending authenticator and a one-time code, shown
/// once inside the enrolment URI and stored only as a keyed hash.
pub async fn start(
    state: &Inner,
    ctx: &Ctx,
    user: &User,
    name: Option<&str>,
) -> Result<Started, Error> {
    let settings = state.settings(&ctx.tenant_id).await?;
    if !settings.second_factors.contains(&Factor::Push) {
        return Err(Error::Forbidden(
            "push is not enabled for this tenant".to_owned(),
        ));
    }
    let existing = state.store.authenticators_of(&user.id).await?;
    if existing
        .iter()
        .any(|a| a.factor == Factor::Push && a.is_usable())
    {
        return Err(Error::Conflict(
            "a push device is already enrolled; remove it first".to_owned(),
        ));
    }
    authenticator::ensure_room(&existing)?;
    let name = authenticator::normalise_name(name, Factor::Push, &existing)?;
    let id = random::new_id(state.random.as_ref())?;
    let code = secrets::format_token(
        ENROLMENT_CODE_PREFIX,
        &random::bytes(state.random.as_ref())?,
    );
    let expires_at = ctx.now.plus_seconds(settings.push.enrolment_ttl_seconds);
    let authenticator = Authenticator {
        id: id.clone(),
        user_id: user.id.clone(),
        factor: Factor::Push,
        name: name.clone(),
        state: AuthenticatorState::Pending,
        sealed_secret: None,
        params: json!({}),
        last_step: None,
        created_at: ctx.now,
        last_used_at: None,
    };
    state.store.insert_authenticator(&authenticator).await?;
    state
        .store
        .insert_push_enrolment(&PushEnrolment {
            code_hash: state.hashing.hash(ENROLMENT_CODE, code.expose()),
            tenant_id: ctx.tenant_id.clone(),
            user_id: user.id.clone(),
            authenticator_id: id.clone(),
            expires_at,
        })
        .await?;
    events::record(
        state,
        ctx,
        EventType::AuthenticatorAdded,
        Some(&user.id),
        json!({"factor": Factor::Push, "authenticator_id": id, "state": "pending"}),
    )
    .await?;
    let uri = EnrolmentUri {
        server: state.issuer().to_owned(),
        tenant: ctx.tenant_id.clone(),
        code: code.expose().to_owned(),
        name: Some(name),
    }
    .to_uri();
    Ok(Started {
        qr_svg: qr_svg(&uri)?,
        uri,
        authenticator,
        expires_at,
    })
}

/// What a device posts to enrol.
pub struct DeviceEnrolment {
    pub code: SecretString,
    pub public_key: Value,
    pub name: Option<String>,
    pub push_token: Option<SecretString>,
}

/// What the device is told: the authenticator it now is, and the challenge to sign.
pub struct Attached {
    pub authenticator_id: String,
    pub challenge: String,
    pub expires_at: UnixTime,
}

/// A device attaches itself with the enrolment code. Everything the device sent is checked
/// before the code is taken, so a malformed request does not spend it.
pub async fn attach(state: &Inner, ctx: &Ctx, body: DeviceEnrolment) -> Result<Attached, Error> {
    let key =
        DeviceKey::from_jwk(&body.public_key).map_err(|e| Error::InvalidRequest(e.to_string()))?;
    let name = body
        .name
        .as_deref()
        .map(|raw| authenticator::normalise_name(Some(raw), Factor::Push, &[]))
        .transpose()?;
    if let Some(token) = &body.push_token
        && (token.expose().is_empty()
            || token.expose().len() > MAX_PUSH_TOKEN
            || names::check_readable(token.expose(), "push_token").is_err())
    {
        return Err(Error::InvalidRequest(format!(
            "push_token must be one printable line of 1 to {MAX_PUSH_TOKEN} characters"
        )));
    }
    if !body.code.expose().starts_with(ENROLMENT_CODE_PREFIX) || body.code.expose().len() > 128 {
        return Err(Error::Unauthorized);
    }
    let hash = state.hashing.hash(ENROLMENT_CODE, body.code.expose());
    let Some(enrolment) = state.store.take_push_enrolment(&hash, ctx.now).await? else {
        return Err(Error::Unauthorized);
    };
    let id = enrolment.authenticator_id;
    let current = state
        .store
        .push_device(&id)
        .await?
        .ok_or(Error::Unauthorized)?;
    let challenge = BASE64URL_NOPAD.encode(&random::bytes::<32>(state.random.as_ref())?);
    let params = json!({
        "public_key": key.to_jwk(),
        "thumbprint": key.thumbprint(),
        "enrol_challenge": challenge,
    });
    let sealed = match &body.push_token {
        Some(token) => {
            let nonce = random::bytes::<NONCE_LEN>(state.random.as_ref())?;
            Some(state.sealing.seal(
                nonce,
                &Authenticator::seal_context(&id),
                token.expose().as_bytes(),
            ))
        }
        None => None,
    };
    let name = name.unwrap_or(current.authenticator.name);
    if !state
        .store
        .attach_push_device(&id, &name, &params, sealed.as_deref())
        .await?
    {
        return Err(Error::Conflict(
            "authenticator is already active".to_owned(),
        ));
    }
    let ctx = Ctx {
        tenant_id: enrolment.tenant_id,
        ..ctx.clone()
    };
    // The thumbprint names the key in the log; the push token is never written there.
    events::record(
        state,
        &ctx,
        EventType::AuthenticatorAdded,
        Some(&enrolment.user_id),
        json!({"factor": Factor::Push, "authenticator_id": id, "state": "pending", "key_thumbprint": key.thumbprint(), "push_token": body.push_token.is_some()}),
    )
    .await?;
    Ok(Attached {
        authenticator_id: id,
        challenge,
        expires_at: enrolment.expires_at,
    })
}

/// The device proves it holds the key by signing the enrolment challenge; the authenticator
/// becomes active. Wrong or late signatures change nothing.
pub async fn activate(
    state: &Inner,
    ctx: &Ctx,
    authenticator_id: &str,
    signature: &str,
) -> Result<Authenticator, Error> {
    let device = state
        .store
        .push_device(authenticator_id)
        .await?
        .ok_or(Error::Unauthorized)?;
    let pending = device.authenticator;
    let challenge = pending
        .params
        .get("enrol_challenge")
        .and_then(Value::as_str);
    let (AuthenticatorState::Pending, Some(challenge)) = (pending.state, challenge) else {
        return Err(Error::Unauthorized);
    };
    let settings = state.settings(&device.tenant_id).await?;
    if ctx.now.seconds_since(pending.created_at) >= settings.push.enrolment_ttl_seconds {
        return Err(Error::CodeExpired);
    }
    let key = key_of(&pending.params)?;
    let message = push::enrolment_bytes(&pending.id, challenge)?;
    if !key.verify(&message, signature) {
        return Err(Error::Unauthorized);
    }
    if !state
        .store
        .activate_authenticator(&pending.id, None, ctx.now)
        .await?
    {
        return Err(Error::Conflict(
            "authenticator is already active".to_owned(),
        ));
    }
    let ctx = Ctx {
        tenant_id: device.tenant_id,
        ..ctx.clone()
    };
    events::record(
        state,
        &ctx,
        EventType::AuthenticatorActivated,
        Some(&pending.user_id),
        json!({"factor": Factor::Push, "authenticator_id": pending.id}),
    )
    .await?;
    let mut active = pending;
    active.state = AuthenticatorState::Active;
    active.last_used_at = Some(ctx.now);
    Ok(active)
}
