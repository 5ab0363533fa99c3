//! Writing the audit log. An event that cannot be written fails the request: no silent gaps.

use serde_json::Value;
use twofold_core::event::EventType;
use twofold_store::NewEvent;

use super::Ctx;
use crate::error::Error;
use crate::state::Inner;

pub async fn record(
    state: &Inner,
    ctx: &Ctx,
    kind: EventType,
    user_id: Option<&str>,
    detail: Value,
) -> Result<(), Error> {
    let event = new(ctx, kind, user_id, detail);
    state.store.append_event(&event).await?;
    state.metrics.count_event(kind);
    Ok(())
}

/// An event to be written later, in a step's transaction.
pub fn new(ctx: &Ctx, kind: EventType, user_id: Option<&str>, detail: Value) -> NewEvent {
    NewEvent {
        tenant_id: ctx.tenant_id.clone(),
        kind,
        at: ctx.now,
        user_id: user_id.map(str::to_owned),
        session_id: ctx.session_id.clone(),
        ip: ctx.ip.clone(),
        detail,
    }
}
