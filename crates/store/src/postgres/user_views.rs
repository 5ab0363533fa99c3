//! A session view's reads about its user, in one statement: one round trip and one snapshot.

use async_trait::async_trait;
use sqlx::Row;
use twofold_core::UnixTime;

use super::PgStore;
use super::contacts::contact;
use super::groups::group;
use crate::{StoreError, UserView, UserViews};

/// The user's groups (`kind` 0, name order), contacts (1, oldest first) and setup skip (2), as
/// rows of one shape: each kind fills the columns its row reader takes, the rest are NULL.
const USER_VIEW: &str = "SELECT 0 AS kind, g.id, g.tenant_id, g.name, g.mfa, g.created_at, \
         g.updated_at, NULL::text AS channel, NULL::text AS value, NULL::int8 AS verified, \
         NULL::int8 AS skipped_until \
     FROM user_groups g JOIN group_members m ON m.group_id = g.id WHERE m.user_id = $1 \
     UNION ALL SELECT 1, id, NULL, NULL, NULL, created_at, NULL, channel, value, verified, NULL \
     FROM contacts WHERE user_id = $1 \
     UNION ALL SELECT 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, skipped_until \
     FROM mfa_setup_skips WHERE user_id = $1 \
     ORDER BY kind, name, created_at, id";

#[async_trait]
impl UserViews for PgStore {
    async fn user_view(&self, user_id: &str) -> Result<UserView, StoreError> {
        let rows = sqlx::query(USER_VIEW)
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?;
        let mut view = UserView::default();
        for row in &rows {
            match row.try_get::<i32, _>("kind")? {
                0 => view.groups.push(group(row)?),
                1 => view.contacts.push(contact(row)?),
                _ => view.setup_skipped_until = Some(UnixTime(row.try_get("skipped_until")?)),
            }
        }
        Ok(view)
    }
}
