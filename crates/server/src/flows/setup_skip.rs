//! Prompt mode: a person asked to set up a second factor may skip it. The skip is remembered
//! with the user for `mfa_init_skip_lifetime` (ZITADEL's login policy); until then their sign-ins
//! count as satisfied without setup, and the MFA info says until when.

use serde_json::json;
use twofold_core::event::EventType;
use twofold_core::mfa_info;
use twofold_core::session::Session;

use super::session_view::{SessionView, view};
use super::{Ctx, events};
use crate::error::Error;
use crate::state::Inner;

/// Records the skip for the session's user, if the session is asked a skippable setup now.
pub async fn skip(state: &Inner, ctx: &Ctx, session: Session) -> Result<SessionView, Error> {
    let settings = state.settings(&session.tenant_id).await?;
    let asked = view(state, session, ctx.now).await?;
    let Some(user) = asked.user.as_ref().filter(|_| asked.info.setup_skippable) else {
        return Err(Error::Conflict(
            "this session is not asked to set up a second factor it may skip".to_owned(),
        ));
    };
    // A skip that ended the moment it began would leave the person stuck at the prompt.
    if settings.mfa_init_skip_lifetime == 0 {
        return Err(Error::Conflict(
            "mfa_init_skip_lifetime is 0: setting up a second factor cannot be skipped".to_owned(),
        ));
    }
    let until = mfa_info::skip_until(&settings, ctx.now);
    state.store.skip_mfa_setup(&user.id, until).await?;
    let user_id = user.id.clone();
    events::record(
        state,
        ctx,
        EventType::MfaSetupSkipped,
        Some(&user_id),
        json!({"until": until.0}),
    )
    .await?;
    view(state, asked.session, ctx.now).await
}
