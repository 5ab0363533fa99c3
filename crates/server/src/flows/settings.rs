use serde_json::json;
use twofold_core::Factor;
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
    let names_webauthn = settings
        .first_factors
        .iter()
        .chain(&settings.second_factors)
        .any(|f| matches!(f, Factor::Webauthn | Factor::Passkey));
    if names_webauthn && let Err(Error::NotConfigured(how)) = state.relying_party() {
        return Err(Error::InvalidRequest(format!(
            "webauthn and passkey cannot be enabled on this server: {how}"
        )));
    }
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
