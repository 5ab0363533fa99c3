//! Spent ALTCHA challenges: one insert that cannot happen twice for one id.

use async_trait::async_trait;
use twofold_core::UnixTime;

use super::SqliteStore;
use super::rows::execute;
use crate::{Captchas, StoreError};

#[async_trait]
impl Captchas for SqliteStore {
    async fn spend_captcha(
        &self,
        id: &str,
        expires: UnixTime,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.write(move |conn| {
            execute(
                conn,
                "DELETE FROM spent_captchas WHERE expires_at <= ?1",
                [now.0],
            )?;
            let spent = execute(
                conn,
                "INSERT INTO spent_captchas (id, expires_at) VALUES (?1, ?2) \
                 ON CONFLICT (id) DO NOTHING",
                (id, expires.0),
            )?;
            Ok(spent == 1)
        })
        .await
    }
}
