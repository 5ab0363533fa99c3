use serde_json::json;
use twofold_core::event::EventType;
use twofold_core::settings::LoginSettings;

use super::{Ctx, events};
use crate::error::Error;
use crate::state::Inner;

pub async fn replace(
    state: &Inner,
    ctx: &Ctx,
    settings: LoginSettings,
) -> Result<LoginSettings, Error> {
    settings.validate()?;
    state
        .store
        .save_tenant_settings(&ctx.tenant_id, &settings)
        .await?;
    // This node sees the change at once; others within the cache's second.
    state
        .settings_cache
        .put(&ctx.tenant_id, settings.clone(), state.clock.now_millis());
    events::record(
        state,
        ctx,
        EventType::SettingsUpdated,
        None,
        json!({"mfa_mode": settings.mfa.mode}),
    )
    .await?;
    Ok(settings)
}
