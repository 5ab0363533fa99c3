use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;
use twofold_core::UnixTime;
use twofold_core::groups::Group;

use super::PgStore;
use super::rows::{corrupt, json, time};
use crate::{Groups, StoreError};

macro_rules! select_groups {
    () => {
        "SELECT user_groups.id, user_groups.tenant_id, user_groups.name, user_groups.mfa, \
         user_groups.created_at, user_groups.updated_at FROM user_groups "
    };
}

pub(super) fn group(row: &PgRow) -> Result<Group, StoreError> {
    let mfa: String = row.try_get("mfa")?;
    Ok(Group {
        id: row.try_get("id")?,
        tenant_id: row.try_get("tenant_id")?,
        name: row.try_get("name")?,
        mfa: serde_json::from_str(&mfa).map_err(|_| corrupt("user_groups.mfa"))?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

#[async_trait]
impl Groups for PgStore {
    async fn insert_group(&self, g: &Group) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO user_groups (id, tenant_id, name, mfa, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&g.id)
        .bind(&g.tenant_id)
        .bind(&g.name)
        .bind(json(&g.mfa)?)
        .bind(g.created_at.0)
        .bind(g.updated_at.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn group(&self, tenant_id: &str, id: &str) -> Result<Option<Group>, StoreError> {
        let row = sqlx::query(concat!(
            select_groups!(),
            "WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(tenant_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(group).transpose()
    }

    async fn groups(
        &self,
        tenant_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Group>, StoreError> {
        let found = sqlx::query(concat!(
            select_groups!(),
            // Byte order, as SQLite compares, so a cursor pages alike on both.
            "WHERE tenant_id = $1 AND name COLLATE \"C\" > $2 ORDER BY name COLLATE \"C\" LIMIT $3"
        ))
        .bind(tenant_id)
        .bind(after.unwrap_or_default())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        found.iter().map(group).collect()
    }

    async fn update_group(&self, g: &Group) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE user_groups SET name = $1, mfa = $2, updated_at = $3 \
             WHERE tenant_id = $4 AND id = $5",
        )
        .bind(&g.name)
        .bind(json(&g.mfa)?)
        .bind(g.updated_at.0)
        .bind(&g.tenant_id)
        .bind(&g.id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_group(&self, tenant_id: &str, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM user_groups WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn add_group_member(
        &self,
        group_id: &str,
        user_id: &str,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        // Only a user of the group's own tenant can join it.
        let done = sqlx::query(
            "INSERT INTO group_members (group_id, user_id, added_at) \
             SELECT user_groups.id, users.id, $3 FROM user_groups \
             JOIN users ON users.tenant_id = user_groups.tenant_id \
             WHERE user_groups.id = $1 AND users.id = $2 \
             ON CONFLICT (group_id, user_id) DO NOTHING",
        )
        .bind(group_id)
        .bind(user_id)
        .bind(now.0)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn remove_group_member(&self, group_id: &str, user_id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2")
            .bind(group_id)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn groups_of(&self, user_id: &str) -> Result<Vec<Group>, StoreError> {
        let found = sqlx::query(concat!(
            select_groups!(),
            "JOIN group_members ON group_members.group_id = user_groups.id \
             WHERE group_members.user_id = $1 ORDER BY user_groups.name COLLATE \"C\""
        ))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        found.iter().map(group).collect()
    }
}
