//! A session view's reads about its user, in one closure on a reader.

use async_trait::async_trait;
use twofold_core::UnixTime;

use super::SqliteStore;
use super::contacts::contact;
use super::groups::group;
use super::rows::{all, one};
use crate::{StoreError, UserView, UserViews};

#[async_trait]
impl UserViews for SqliteStore {
    async fn user_view(&self, user_id: &str) -> Result<UserView, StoreError> {
        let user_id = user_id.to_owned();
        self.read(move |conn| {
            // One read transaction, so the three reads see one moment.
            let tx = conn.unchecked_transaction()?;
            let groups = all(
                &tx,
                "SELECT user_groups.id, user_groups.tenant_id, user_groups.name, user_groups.mfa, \
                 user_groups.created_at, user_groups.updated_at FROM user_groups \
                 JOIN group_members ON group_members.group_id = user_groups.id \
                 WHERE group_members.user_id = ?1 ORDER BY user_groups.name",
                [&user_id],
                group,
            )?;
            let setup_skipped_until = one(
                &tx,
                "SELECT skipped_until FROM mfa_setup_skips WHERE user_id = ?1",
                [&user_id],
                |row| Ok(UnixTime(row.get("skipped_until")?)),
            )?;
            let contacts = all(
                &tx,
                "SELECT id, channel, value, verified, created_at FROM contacts \
                 WHERE user_id = ?1 ORDER BY created_at, id",
                [&user_id],
                contact,
            )?;
            tx.commit()?;
            Ok(UserView {
                groups,
                setup_skipped_until,
                contacts,
            })
        })
        .await
    }
}
