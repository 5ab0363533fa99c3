//! Audit records as the store keeps them.

use twofold_core::UnixTime;
use twofold_core::event::EventType;

#[derive(Debug, Clone)]
pub struct NewEvent {
    pub tenant_id: String,
    pub kind: EventType,
    pub at: UnixTime,
    pub user_id: Option<String>,
    pub session_id: Option<String>,
    pub ip: Option<String>,
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub id: i64,
    pub kind: String,
    pub at: UnixTime,
    pub user_id: Option<String>,
    pub session_id: Option<String>,
    pub ip: Option<String>,
    pub detail: serde_json::Value,
}

/// Users in username order, strictly after the `after` username, whose username or email starts
/// with `search` (already folded by the caller as login names are).
#[derive(Debug, Clone)]
pub struct UserQuery {
    pub tenant_id: String,
    pub search: Option<String>,
    pub after: Option<String>,
    pub limit: u32,
}

/// Oldest first, strictly after the `after` cursor.
#[derive(Debug, Clone)]
pub struct EventQuery {
    pub tenant_id: String,
    pub user_id: Option<String>,
    pub kind: Option<String>,
    pub after: Option<i64>,
    pub limit: u32,
}
