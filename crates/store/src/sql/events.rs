use sqlx::Row;
use twofold_core::UnixTime;

use super::SqlStore;
use crate::{EventQuery, NewEvent, StoreError, StoredEvent};

impl SqlStore {
    pub(super) async fn append_event_row(&self, e: &NewEvent) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO events (tenant_id, type, at, user_id, session_id, ip, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&e.tenant_id)
        .bind(e.kind.as_str())
        .bind(e.at.0)
        .bind(&e.user_id)
        .bind(&e.session_id)
        .bind(&e.ip)
        .bind(e.detail.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(super) async fn event_rows(&self, q: &EventQuery) -> Result<Vec<StoredEvent>, StoreError> {
        // Optional filters as `($n IS NULL OR column = $n)` keep this one static statement.
        let found = sqlx::query(
            "SELECT id, type, at, user_id, session_id, ip, detail FROM events \
             WHERE tenant_id = $1 AND id > $2 AND ($3 = '' OR user_id = $4) AND ($5 = '' OR type = $6) \
             ORDER BY id LIMIT $7",
        )
        .bind(&q.tenant_id)
        .bind(q.after.unwrap_or(0))
        .bind(q.user_id.clone().unwrap_or_default())
        .bind(q.user_id.clone().unwrap_or_default())
        .bind(q.kind.clone().unwrap_or_default())
        .bind(q.kind.clone().unwrap_or_default())
        .bind(i64::from(q.limit))
        .fetch_all(&self.pool)
        .await?;
        found
            .iter()
            .map(|row| {
                let detail: String = row.try_get("detail")?;
                Ok(StoredEvent {
                    id: row.try_get("id")?,
                    kind: row.try_get("type")?,
                    at: UnixTime(row.try_get("at")?),
                    user_id: row.try_get("user_id")?,
                    session_id: row.try_get("session_id")?,
                    ip: row.try_get("ip")?,
                    detail: serde_json::from_str(&detail)
                        .map_err(|_| StoreError::Corrupt("events.detail".to_owned()))?,
                })
            })
            .collect()
    }
}
