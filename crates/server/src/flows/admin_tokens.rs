//! Admin tokens over the API: listed by id, created (shown once), revoked — never the last one.

use serde_json::json;
use twofold_core::admin_token::{self, AdminToken, Revocation};
use twofold_core::event::EventType;
use twofold_core::secrets::SecretString;

use super::{Ctx, events, tokens};
use crate::error::Error;
use crate::state::Inner;

pub async fn list(state: &Inner, tenant_id: &str) -> Result<Vec<AdminToken>, Error> {
    Ok(state.store.admin_tokens(tenant_id).await?)
}

pub async fn create(
    state: &Inner,
    ctx: &Ctx,
    name: Option<&str>,
) -> Result<(AdminToken, SecretString), Error> {
    let name = name.map(admin_token::normalise_name).transpose()?;
    let (created, token) = tokens::create_admin_token(state, &ctx.tenant_id, name, ctx.now).await?;
    events::record(
        state,
        ctx,
        EventType::AdminTokenCreated,
        None,
        json!({"token_id": created.id}),
    )
    .await?;
    Ok((created, token))
}

/// The token stops working at once: every request looks its hash up. The tenant's last token
/// stays, so an operator cannot lock everyone out of the admin API (`twofold admin-token create`
/// on the server can always make another, but needs a shell there).
pub async fn revoke(state: &Inner, ctx: &Ctx, id: &str) -> Result<(), Error> {
    match state.store.revoke_admin_token(&ctx.tenant_id, id).await? {
        Revocation::Revoked => {
            events::record(
                state,
                ctx,
                EventType::AdminTokenRevoked,
                None,
                json!({"token_id": id}),
            )
            .await
        }
        Revocation::NotFound => Err(Error::NotFound("admin token")),
        Revocation::Last => Err(Error::Conflict(
            "this is the last admin token; create another before revoking it".to_owned(),
        )),
    }
}
