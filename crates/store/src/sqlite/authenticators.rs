use async_trait::async_trait;
use rusqlite::Connection;
use twofold_core::Factor;
use twofold_core::UnixTime;
use twofold_core::authenticator::{Authenticator, AuthenticatorState};

use super::SqliteStore;
use super::rows::{self, AUTHENTICATOR_COLUMNS, all, execute, step_column};
use crate::{Authenticators, StoreError};

/// Inserts one authenticator; backup codes insert theirs in the same closure as their codes.
pub(super) fn insert(conn: &Connection, a: &Authenticator) -> Result<(), StoreError> {
    execute(
        conn,
        "INSERT INTO authenticators (id, user_id, factor, name, state, sealed_secret, params, \
         last_step, created_at, last_used_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        rusqlite::params![
            a.id,
            a.user_id,
            a.factor.as_str(),
            a.name,
            a.state.as_str(),
            a.sealed_secret,
            a.params.to_string(),
            step_column(a.last_step)?,
            a.created_at.0,
            a.last_used_at.map(|t| t.0),
        ],
    )?;
    Ok(())
}

#[async_trait]
impl Authenticators for SqliteStore {
    async fn insert_authenticator(&self, authenticator: &Authenticator) -> Result<(), StoreError> {
        let authenticator = authenticator.clone();
        self.write(move |conn| insert(conn, &authenticator)).await
    }

    async fn authenticators_of(&self, user_id: &str) -> Result<Vec<Authenticator>, StoreError> {
        let user_id = user_id.to_owned();
        self.read(move |conn| {
            all(
                conn,
                &format!(
                    "SELECT {AUTHENTICATOR_COLUMNS} FROM authenticators WHERE user_id = ?1 \
                     ORDER BY created_at, id"
                ),
                [user_id],
                rows::authenticator,
            )
        })
        .await
    }

    async fn activate_authenticator(
        &self,
        id: &str,
        proof_step: Option<u64>,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        let (id, step) = (id.to_owned(), step_column(proof_step)?);
        self.write(move |conn| {
            let activated = execute(
                conn,
                "UPDATE authenticators SET state = 'active', last_step = ?1, last_used_at = ?2 \
                 WHERE id = ?3 AND state = 'pending'",
                (step, now.0, id),
            )?;
            Ok(activated == 1)
        })
        .await
    }

    async fn delete_authenticator(&self, user_id: &str, id: &str) -> Result<bool, StoreError> {
        let (user_id, id) = (user_id.to_owned(), id.to_owned());
        self.write(move |conn| {
            let deleted = execute(
                conn,
                "DELETE FROM authenticators WHERE user_id = ?1 AND id = ?2",
                [user_id, id],
            )?;
            Ok(deleted == 1)
        })
        .await
    }

    async fn rename_authenticator(
        &self,
        user_id: &str,
        id: &str,
        name: &str,
    ) -> Result<bool, StoreError> {
        let (user_id, id, name) = (user_id.to_owned(), id.to_owned(), name.to_owned());
        self.write(move |conn| {
            let renamed = execute(
                conn,
                "UPDATE authenticators SET name = ?1 WHERE user_id = ?2 AND id = ?3",
                [name, user_id, id],
            )?;
            Ok(renamed == 1)
        })
        .await
    }

    async fn activate_credential(
        &self,
        id: &str,
        name: &str,
        credential: &serde_json::Value,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        let (id, name, credential) = (id.to_owned(), name.to_owned(), credential.to_string());
        self.write(move |conn| {
            let activated = execute(
                conn,
                "UPDATE authenticators SET state = 'active', name = ?1, params = ?2, \
                 last_used_at = ?3 WHERE id = ?4 AND state = 'pending'",
                (name, credential, now.0, id),
            )?;
            Ok(activated == 1)
        })
        .await
    }

    async fn set_factor_state(
        &self,
        user_id: &str,
        factor: Factor,
        state: AuthenticatorState,
    ) -> Result<u64, StoreError> {
        let user_id = user_id.to_owned();
        self.write(move |conn| {
            let changed = execute(
                conn,
                "UPDATE authenticators SET state = ?1 \
                 WHERE user_id = ?2 AND factor = ?3 AND state <> ?1",
                (state.as_str(), user_id, factor.as_str()),
            )?;
            Ok(changed as u64)
        })
        .await
    }

    async fn consume_totp_step(
        &self,
        id: &str,
        step: u64,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        let (id, step) = (id.to_owned(), step_column(Some(step))?);
        self.write(move |conn| {
            let consumed = execute(
                conn,
                "UPDATE authenticators SET last_step = ?1, last_used_at = ?2 \
                 WHERE id = ?3 AND state = 'active' AND (last_step IS NULL OR last_step < ?1)",
                (step, now.0, id),
            )?;
            Ok(consumed == 1)
        })
        .await
    }
}
