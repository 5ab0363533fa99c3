use async_trait::async_trait;
use sqlx::Postgres;
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use twofold_core::Factor;
use twofold_core::UnixTime;
use twofold_core::authenticator::{Authenticator, AuthenticatorState};

use super::PgStore;
use super::rows::{self, step_column};
use crate::{Authenticators, StoreError};

pub(super) const INSERT_AUTHENTICATOR: &str = "INSERT INTO authenticators \
     (id, user_id, factor, name, state, sealed_secret, params, last_step, created_at, last_used_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

/// Binds an authenticator's columns in the order of [`INSERT_AUTHENTICATOR`].
pub(super) fn bind_authenticator<'q>(
    query: Query<'q, Postgres, PgArguments>,
    a: &'q Authenticator,
) -> Result<Query<'q, Postgres, PgArguments>, StoreError> {
    Ok(query
        .bind(&a.id)
        .bind(&a.user_id)
        .bind(a.factor.as_str())
        .bind(&a.name)
        .bind(a.state.as_str())
        .bind(a.sealed_secret.as_deref())
        .bind(a.params.to_string())
        .bind(step_column(a.last_step)?)
        .bind(a.created_at.0)
        .bind(a.last_used_at.map(|t| t.0)))
}

#[async_trait]
impl Authenticators for PgStore {
    async fn insert_authenticator(&self, a: &Authenticator) -> Result<(), StoreError> {
        bind_authenticator(sqlx::query(INSERT_AUTHENTICATOR), a)?
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn authenticators_of(&self, user_id: &str) -> Result<Vec<Authenticator>, StoreError> {
        let found = sqlx::query(
            "SELECT id, user_id, factor, name, state, sealed_secret, params, last_step, created_at, \
             last_used_at FROM authenticators WHERE user_id = $1 ORDER BY created_at, id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        found.iter().map(rows::authenticator).collect()
    }

    async fn activate_authenticator(
        &self,
        id: &str,
        proof_step: Option<u64>,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE authenticators SET state = 'active', last_step = $1, last_used_at = $2 \
             WHERE id = $3 AND state = 'pending'",
        )
        .bind(step_column(proof_step)?)
        .bind(now.0)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_authenticator(&self, user_id: &str, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM authenticators WHERE user_id = $1 AND id = $2")
            .bind(user_id)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn rename_authenticator(
        &self,
        user_id: &str,
        id: &str,
        name: &str,
    ) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE authenticators SET name = $1 WHERE user_id = $2 AND id = $3")
                .bind(name)
                .bind(user_id)
                .bind(id)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn activate_credential(
        &self,
        id: &str,
        name: &str,
        credential: &serde_json::Value,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE authenticators SET state = 'active', name = $1, params = $2, last_used_at = $3 \
             WHERE id = $4 AND state = 'pending'",
        )
        .bind(name)
        .bind(credential.to_string())
        .bind(now.0)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_factor_state(
        &self,
        user_id: &str,
        factor: Factor,
        state: AuthenticatorState,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE authenticators SET state = $1 WHERE user_id = $2 AND factor = $3 AND state <> $1",
        )
        .bind(state.as_str())
        .bind(user_id)
        .bind(factor.as_str())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    async fn consume_totp_step(
        &self,
        id: &str,
        step: u64,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE authenticators SET last_step = $1, last_used_at = $2 \
             WHERE id = $3 AND state = 'active' AND (last_step IS NULL OR last_step < $1)",
        )
        .bind(step_column(Some(step))?)
        .bind(now.0)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
