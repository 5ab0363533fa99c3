use async_trait::async_trait;
use rusqlite::Row;
use twofold_core::UnixTime;
use twofold_core::groups::Group;

use super::SqliteStore;
use super::rows::{all, execute, from_json, json, one, time};
use crate::{Groups, StoreError};

const SELECT_GROUPS: &str = "SELECT user_groups.id, user_groups.tenant_id, user_groups.name, user_groups.mfa, \
     user_groups.created_at, user_groups.updated_at FROM user_groups";

pub(super) fn group(row: &Row<'_>) -> Result<Group, StoreError> {
    let mfa: String = row.get("mfa")?;
    Ok(Group {
        id: row.get("id")?,
        tenant_id: row.get("tenant_id")?,
        name: row.get("name")?,
        mfa: from_json(&mfa, "user_groups.mfa")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

#[async_trait]
impl Groups for SqliteStore {
    async fn insert_group(&self, group: &Group) -> Result<(), StoreError> {
        let g = group.clone();
        let mfa = json(&g.mfa)?;
        self.write(move |conn| {
            execute(
                conn,
                "INSERT INTO user_groups (id, tenant_id, name, mfa, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params![
                    g.id,
                    g.tenant_id,
                    g.name,
                    mfa,
                    g.created_at.0,
                    g.updated_at.0
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn group(&self, tenant_id: &str, id: &str) -> Result<Option<Group>, StoreError> {
        let (tenant_id, id) = (tenant_id.to_owned(), id.to_owned());
        self.read(move |conn| {
            let sql = format!("{SELECT_GROUPS} WHERE tenant_id = ?1 AND id = ?2");
            one(conn, &sql, [tenant_id, id], group)
        })
        .await
    }

    async fn groups(
        &self,
        tenant_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Group>, StoreError> {
        let (tenant_id, after) = (tenant_id.to_owned(), after.unwrap_or_default().to_owned());
        self.read(move |conn| {
            let sql = format!(
                "{SELECT_GROUPS} WHERE tenant_id = ?1 AND name > ?2 ORDER BY name LIMIT ?3"
            );
            all(
                conn,
                &sql,
                rusqlite::params![tenant_id, after, i64::from(limit)],
                group,
            )
        })
        .await
    }

    async fn update_group(&self, group: &Group) -> Result<bool, StoreError> {
        let g = group.clone();
        let mfa = json(&g.mfa)?;
        self.write(move |conn| {
            let updated = execute(
                conn,
                "UPDATE user_groups SET name = ?1, mfa = ?2, updated_at = ?3 \
                 WHERE tenant_id = ?4 AND id = ?5",
                rusqlite::params![g.name, mfa, g.updated_at.0, g.tenant_id, g.id],
            )?;
            Ok(updated == 1)
        })
        .await
    }

    async fn delete_group(&self, tenant_id: &str, id: &str) -> Result<bool, StoreError> {
        let (tenant_id, id) = (tenant_id.to_owned(), id.to_owned());
        self.write(move |conn| {
            Ok(execute(
                conn,
                "DELETE FROM user_groups WHERE tenant_id = ?1 AND id = ?2",
                [tenant_id, id],
            )? == 1)
        })
        .await
    }

    async fn add_group_member(
        &self,
        group_id: &str,
        user_id: &str,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        let (group_id, user_id) = (group_id.to_owned(), user_id.to_owned());
        self.write(move |conn| {
            // Only a user of the group's own tenant can join it.
            Ok(execute(
                conn,
                "INSERT INTO group_members (group_id, user_id, added_at) \
                 SELECT user_groups.id, users.id, ?3 FROM user_groups \
                 JOIN users ON users.tenant_id = user_groups.tenant_id \
                 WHERE user_groups.id = ?1 AND users.id = ?2 \
                 ON CONFLICT (group_id, user_id) DO NOTHING",
                rusqlite::params![group_id, user_id, now.0],
            )? == 1)
        })
        .await
    }

    async fn remove_group_member(&self, group_id: &str, user_id: &str) -> Result<bool, StoreError> {
        let (group_id, user_id) = (group_id.to_owned(), user_id.to_owned());
        self.write(move |conn| {
            Ok(execute(
                conn,
                "DELETE FROM group_members WHERE group_id = ?1 AND user_id = ?2",
                [group_id, user_id],
            )? == 1)
        })
        .await
    }

    async fn groups_of(&self, user_id: &str) -> Result<Vec<Group>, StoreError> {
        let user_id = user_id.to_owned();
        self.read(move |conn| {
            let sql = format!(
                "{SELECT_GROUPS} JOIN group_members ON group_members.group_id = user_groups.id \
                 WHERE group_members.user_id = ?1 ORDER BY user_groups.name"
            );
            all(conn, &sql, [user_id], group)
        })
        .await
    }
}
