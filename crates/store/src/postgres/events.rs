use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{PgExecutor, Row};

use super::PgStore;
use super::rows::{corrupt, time};
use crate::{EventQuery, Events, NewEvent, StoreError, StoredEvent};

fn event(row: &PgRow) -> Result<StoredEvent, StoreError> {
    let detail: String = row.try_get("detail")?;
    Ok(StoredEvent {
        id: row.try_get("id")?,
        kind: row.try_get("type")?,
        at: time(row, "at")?,
        user_id: row.try_get("user_id")?,
        session_id: row.try_get("session_id")?,
        ip: row.try_get("ip")?,
        detail: serde_json::from_str(&detail).map_err(|_| corrupt("events.detail"))?,
    })
}

#[async_trait]
impl Events for PgStore {
    async fn append_event(&self, e: &NewEvent) -> Result<(), StoreError> {
        Ok(insert(&self.pool, e).await?)
    }

    async fn events(&self, q: &EventQuery) -> Result<Vec<StoredEvent>, StoreError> {
        // Optional filters as `($n IS NULL OR column = $n)` keep this one prepared statement.
        let found = sqlx::query(
            "SELECT id, type, at, user_id, session_id, ip, detail FROM events \
             WHERE tenant_id = $1 AND id > $2 AND ($3::text IS NULL OR user_id = $3) \
             AND ($4::text IS NULL OR type = $4) ORDER BY id LIMIT $5",
        )
        .bind(&q.tenant_id)
        .bind(q.after.unwrap_or(0))
        .bind(q.user_id.as_deref())
        .bind(q.kind.as_deref())
        .bind(i64::from(q.limit))
        .fetch_all(&self.pool)
        .await?;
        found.iter().map(event).collect()
    }
}

pub(super) async fn insert<'e>(db: impl PgExecutor<'e>, e: &NewEvent) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO events (tenant_id, type, at, user_id, session_id, ip, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&e.tenant_id)
    .bind(e.kind.as_str())
    .bind(e.at.0)
    .bind(&e.user_id)
    .bind(&e.session_id)
    .bind(&e.ip)
    .bind(e.detail.to_string())
    .execute(db)
    .await?;
    Ok(())
}
