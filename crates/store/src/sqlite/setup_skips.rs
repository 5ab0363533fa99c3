use async_trait::async_trait;
use twofold_core::UnixTime;

use super::SqliteStore;
use super::rows::{execute, one};
use crate::{SetupSkips, StoreError};

#[async_trait]
impl SetupSkips for SqliteStore {
    async fn skip_mfa_setup(&self, user_id: &str, until: UnixTime) -> Result<(), StoreError> {
        let user_id = user_id.to_owned();
        self.write(move |conn| {
            execute(
                conn,
                "INSERT INTO mfa_setup_skips (user_id, skipped_until) VALUES (?1, ?2) \
                 ON CONFLICT (user_id) DO UPDATE SET skipped_until = excluded.skipped_until",
                rusqlite::params![user_id, until.0],
            )?;
            Ok(())
        })
        .await
    }

    async fn mfa_setup_skipped_until(&self, user_id: &str) -> Result<Option<UnixTime>, StoreError> {
        let user_id = user_id.to_owned();
        self.read(move |conn| {
            one(
                conn,
                "SELECT skipped_until FROM mfa_setup_skips WHERE user_id = ?1",
                [user_id],
                |row| Ok(UnixTime(row.get("skipped_until")?)),
            )
        })
        .await
    }
}
