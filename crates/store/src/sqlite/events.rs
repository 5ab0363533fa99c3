use async_trait::async_trait;
use rusqlite::Connection;

use super::SqliteStore;
use super::rows::{all, execute, from_json, time};
use crate::{EventQuery, Events, NewEvent, StoreError, StoredEvent};

/// Appends one event; a step appends its events in the same closure as its other writes.
pub(super) fn insert(conn: &Connection, e: &NewEvent) -> Result<(), StoreError> {
    execute(
        conn,
        "INSERT INTO events (tenant_id, type, at, user_id, session_id, ip, detail) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        (
            &e.tenant_id,
            e.kind.as_str(),
            e.at.0,
            &e.user_id,
            &e.session_id,
            &e.ip,
            e.detail.to_string(),
        ),
    )?;
    Ok(())
}

#[async_trait]
impl Events for SqliteStore {
    async fn append_event(&self, event: &NewEvent) -> Result<(), StoreError> {
        let e = event.clone();
        self.write(move |conn| insert(conn, &e)).await
    }

    async fn events(&self, query: &EventQuery) -> Result<Vec<StoredEvent>, StoreError> {
        let q = query.clone();
        self.read(move |conn| {
            all(
                conn,
                "SELECT id, type, at, user_id, session_id, ip, detail FROM events \
                 WHERE tenant_id = ?1 AND id > ?2 AND (?3 = '' OR user_id = ?3) \
                 AND (?4 = '' OR type = ?4) ORDER BY id LIMIT ?5",
                (
                    q.tenant_id,
                    q.after.unwrap_or(0),
                    q.user_id.unwrap_or_default(),
                    q.kind.unwrap_or_default(),
                    i64::from(q.limit),
                ),
                |row| {
                    let detail: String = row.get("detail")?;
                    Ok(StoredEvent {
                        id: row.get("id")?,
                        kind: row.get("type")?,
                        at: time(row, "at")?,
                        user_id: row.get("user_id")?,
                        session_id: row.get("session_id")?,
                        ip: row.get("ip")?,
                        detail: from_json(&detail, "events.detail")?,
                    })
                },
            )
        })
        .await
    }
}
