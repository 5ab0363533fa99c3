//! Push approval with number matching: enrolling a device, the session's challenge that wakes it,
//! the device's signed fetch and answer, and the session's check. The rules (what is signed, the
//! number, fatigue) are the domain's (`twofold_core::push`); this module stores and tells.

pub mod device;
pub mod enrol;
pub mod sign_in;
pub mod wait;
pub mod waiters;

use serde_json::json;
use twofold_core::UnixTime;
use twofold_core::event::EventType;
use twofold_core::push::{DeviceKey, fatigue_pause};
use twofold_core::settings::LoginSettings;

use crate::error::Error;
use crate::flows::{Ctx, events};
use crate::state::Inner;

/// The keyed-hash domain enrolment codes are stored under.
const ENROLMENT_CODE: &str = "push-enrolment-code";

/// The device's public key, as stored in its authenticator's params at enrolment.
fn key_of(params: &serde_json::Value) -> Result<DeviceKey, Error> {
    let jwk = params
        .get("public_key")
        .ok_or_else(|| Error::Internal("push authenticator without a public key".to_owned()))?;
    DeviceKey::from_jwk(jwk).map_err(|e| Error::Internal(format!("stored push key: {e}")))
}

/// Whether push is paused for the user now; a pause seen for the first time is told once, as
/// `push.fatigue`.
async fn pause_of(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user_id: &str,
) -> Result<Option<UnixTime>, Error> {
    let policy = &settings.push.fatigue;
    let since = ctx.now.minus_seconds(policy.window_seconds);
    let refusals = state.store.push_refusals(user_id, since, ctx.now).await?;
    let Some(until) = fatigue_pause(policy, &refusals, ctx.now) else {
        return Ok(None);
    };
    if state.store.note_push_pause(user_id, until).await? {
        let detail = json!({"paused_until": until.0, "refusals": refusals.len(), "window_seconds": policy.window_seconds});
        events::record(state, ctx, EventType::PushFatigue, Some(user_id), detail).await?;
    }
    Ok(Some(until))
}
