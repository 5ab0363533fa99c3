use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use twofold_core::event::EventType;
use twofold_store::EventQuery;

use super::ok;
use crate::error::Error;
use crate::http::auth::Admin;
use crate::http::json::ApiQuery;
use crate::http::present::rfc3339;
use crate::state::AppState;

const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 500;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    user_id: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    after: Option<String>,
    limit: Option<u32>,
}

/// The audit log, oldest first; `next_cursor` is present while there may be more.
pub async fn list(
    State(state): State<AppState>,
    admin: Admin,
    ApiQuery(params): ApiQuery<Params>,
) -> Result<Response, Error> {
    if let Some(kind) = &params.kind
        && EventType::parse(kind).is_none()
    {
        return Err(Error::InvalidRequest(format!(
            "unknown event type `{kind}`"
        )));
    }
    let after = match params.after.as_deref() {
        None | Some("") => None,
        Some(cursor) => Some(cursor.parse::<i64>().map_err(|_| {
            Error::InvalidRequest("after must be a cursor from next_cursor".to_owned())
        })?),
    };
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Error::InvalidRequest(format!(
            "limit must be 1 to {MAX_LIMIT}"
        )));
    }
    let query = EventQuery {
        tenant_id: admin.tenant_id,
        user_id: params.user_id,
        kind: params.kind,
        after,
        limit,
    };
    let found = state.store.events(&query).await?;
    let next_cursor = (found.len() == limit as usize)
        .then(|| found.last().map(|e| e.id.to_string()))
        .flatten();
    let events: Vec<_> = found
        .into_iter()
        .map(|e| {
            json!({"id": e.id.to_string(), "type": e.kind, "at": rfc3339(e.at), "user_id": e.user_id,
                   "session_id": e.session_id, "ip": e.ip, "detail": e.detail})
        })
        .collect();
    Ok(ok(json!({"events": events, "next_cursor": next_cursor})))
}
