//! Devices: every satisfied sign-in from a browser leaves an opaque device token (a cookie) whose
//! hash is stored with when a second factor last passed there; the user may also trust it. Trust
//! lowers the risk score of later sign-ins; it never stands in for a factor.

use serde_json::json;
use twofold_core::device::{self, Device};
use twofold_core::event::EventType;
use twofold_core::precheck;
use twofold_core::secrets::{self, DEVICE_TOKEN_PREFIX, SecretString, TokenHash};
use twofold_core::user::User;

use super::precheck_subject::Subject;
use super::{Ctx, events};
use crate::error::Error;
use crate::random;
use crate::state::Inner;
use crate::time_text::rfc3339;

const DEVICE: &str = "device-token";

fn hash(state: &Inner, token: &SecretString) -> TokenHash {
    state.hashing.hash(DEVICE, token.expose())
}

/// The user's device a token names; someone else's token, or garbage, is no device at all.
pub async fn of_token(
    state: &Inner,
    user: &User,
    token: &SecretString,
) -> Result<Option<Device>, Error> {
    if !secrets::has_token_shape(token.expose(), DEVICE_TOKEN_PREFIX) {
        return Ok(None);
    }
    let found = state.store.device_by_token(&hash(state, token)).await?;
    Ok(found.filter(|d| d.user_id == user.id && d.tenant_id == user.tenant_id))
}

/// Refuses a request to trust the device where the tenant or the app does not allow it; checked
/// before anything is issued, so the refusal changes nothing.
pub fn refuse_forbidden_trust(subject: &Subject, trust: bool) -> Result<(), Error> {
    if trust && device::trust_lifetime(&subject.settings.oidc, &subject.app.mfa).is_none() {
        return Err(Error::Forbidden(
            "trusted devices are not allowed for this app".to_owned(),
        ));
    }
    Ok(())
}

pub struct Remembered {
    pub new_token: Option<SecretString>,
    pub trusted: bool,
}

/// After a satisfied sign-in: the device remembers this sign-in's second factor (and is trusted
/// when the user asked and the app and tenant allow it), and the network becomes familiar.
pub async fn after_sign_in(
    state: &Inner,
    ctx: &Ctx,
    subject: &Subject,
    trust: bool,
) -> Result<Remembered, Error> {
    let Some(user) = &subject.user else {
        return Ok(Remembered {
            new_token: None,
            trusted: false,
        });
    };
    let passed = subject.session.valid_checks(&subject.settings, ctx.now);
    let second_factor_at = precheck::latest_second_factor(&passed);
    // The caller refused a request for trust the app does not allow (before anything was issued).
    let trust_for =
        device::trust_lifetime(&subject.settings.oidc, &subject.app.mfa).filter(|_| trust);
    let mut new_token = None;
    let device = match subject.device.clone() {
        Some(mut device) => {
            device.after_sign_in(ctx.now, second_factor_at, trust_for);
            state.store.update_device(&device).await?;
            device
        }
        None => {
            let token =
                secrets::format_token(DEVICE_TOKEN_PREFIX, &random::bytes(state.random.as_ref())?);
            let mut device = Device {
                id: random::new_id(state.random.as_ref())?,
                tenant_id: user.tenant_id.clone(),
                user_id: user.id.clone(),
                trusted_until: None,
                last_second_factor_at: None,
                created_at: ctx.now,
                last_seen_at: ctx.now,
            };
            device.after_sign_in(ctx.now, second_factor_at, trust_for);
            state
                .store
                .insert_device(&device, &hash(state, &token))
                .await?;
            new_token = Some(token);
            device
        }
    };
    if trust {
        let detail =
            json!({"device_id": device.id, "trusted_until": device.trusted_until.map(rfc3339)});
        events::record(state, ctx, EventType::DeviceTrusted, Some(&user.id), detail).await?;
    }
    if let Some(network) = ctx.ip.as_deref().and_then(device::network_of) {
        state
            .store
            .record_network(&user.id, &network, ctx.now)
            .await?;
    }
    Ok(Remembered {
        new_token,
        trusted: device.is_trusted(ctx.now),
    })
}

pub async fn list(state: &Inner, user: &User) -> Result<Vec<Device>, Error> {
    Ok(state.store.devices_of(&user.id).await?)
}

/// Forgets a device: its token stops counting, trusted or not.
pub async fn revoke(state: &Inner, ctx: &Ctx, user: &User, device_id: &str) -> Result<(), Error> {
    if !state.store.delete_device(&user.id, device_id).await? {
        return Err(Error::NotFound("device"));
    }
    let detail = json!({"device_id": device_id});
    events::record(state, ctx, EventType::DeviceRevoked, Some(&user.id), detail).await
}
