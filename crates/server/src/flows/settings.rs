//! The tenant's login settings: replaced as a whole, or changed in part by a merge patch.

use serde_json::{Value, json};
use twofold_core::event::EventType;
use twofold_core::settings::LoginSettings;

use super::{Ctx, events};
use crate::error::Error;
use crate::state::Inner;

/// How many times a patch is applied afresh when the settings changed under it.
const PATCH_TRIES: usize = 3;

/// Replaces the settings with `settings`, checked as a whole.
pub async fn replace(
    state: &Inner,
    ctx: &Ctx,
    settings: LoginSettings,
) -> Result<LoginSettings, Error> {
    check(state, &settings)?;
    state
        .store
        .save_tenant_settings(&ctx.tenant_id, &settings)
        .await?;
    saved(state, ctx, settings, "replace").await
}

/// Merges `patch` (RFC 7396) into the stored settings; what it does not name stays as it is.
/// The save holds only if the settings are still those the patch was applied to, so two
/// administrators patching different fields at once both keep their change.
pub async fn patch(state: &Inner, ctx: &Ctx, patch: &Value) -> Result<LoginSettings, Error> {
    for _ in 0..PATCH_TRIES {
        // Read from the store, not the cache: a patch of settings a second old could undo a
        // change just made on another node.
        let (current, read) = state
            .store
            .tenant_settings_revision(&ctx.tenant_id)
            .await?
            .ok_or(Error::NotFound("tenant"))?;
        let settings = current.patched(patch)?;
        check(state, &settings)?;
        if state
            .store
            .replace_tenant_settings(&ctx.tenant_id, &settings, &read)
            .await?
        {
            return saved(state, ctx, settings, "patch").await;
        }
    }
    Err(Error::Conflict(
        "the settings kept changing while the patch was applied; send it again".to_owned(),
    ))
}

fn check(state: &Inner, settings: &LoginSettings) -> Result<(), Error> {
    Ok(settings.validate_on(state.capabilities())?)
}

async fn saved(
    state: &Inner,
    ctx: &Ctx,
    settings: LoginSettings,
    how: &str,
) -> Result<LoginSettings, Error> {
    // This node sees the change at once (read again from the store, where the last of racing
    // saves stands); others within the cache's second.
    state.settings_cache.forget(&ctx.tenant_id);
    events::record(
        state,
        ctx,
        EventType::SettingsUpdated,
        None,
        json!({"mfa_mode": settings.mfa.mode, "how": how}),
    )
    .await?;
    Ok(settings)
}
