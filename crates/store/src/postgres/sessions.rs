use async_trait::async_trait;
use twofold_core::secrets::TokenHash;
use twofold_core::session::Session;

use super::PgStore;
use super::rows::{self, json};
use crate::{Sessions, StoreError};

#[async_trait]
impl Sessions for PgStore {
    async fn insert_session(&self, s: &Session, token: &TokenHash) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (id, tenant_id, user_id, token_hash, user_checked_at, checks, \
             client_id, created_at, updated_at, expires_at, risk) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&s.id)
        .bind(&s.tenant_id)
        .bind(&s.user_id)
        .bind(token.0)
        .bind(s.user_checked_at.map(|t| t.0))
        .bind(json(&s.checks)?)
        .bind(&s.client_id)
        .bind(s.created_at.0)
        .bind(s.updated_at.0)
        .bind(s.expires_at.0)
        .bind(s.risk.as_ref().map(json).transpose()?)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn session(&self, id: &str) -> Result<Option<(Session, TokenHash)>, StoreError> {
        let row = sqlx::query(
            "SELECT id, tenant_id, user_id, token_hash, user_checked_at, checks, client_id, \
             created_at, updated_at, expires_at, risk FROM sessions WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(rows::session).transpose()
    }

    async fn session_by_token(&self, token: &TokenHash) -> Result<Option<Session>, StoreError> {
        let row = sqlx::query(
            "SELECT id, tenant_id, user_id, token_hash, user_checked_at, checks, client_id, \
             created_at, updated_at, expires_at, risk FROM sessions WHERE token_hash = $1",
        )
        .bind(token.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .as_ref()
            .map(rows::session)
            .transpose()?
            .map(|(session, _)| session))
    }

    async fn update_session(
        &self,
        s: &Session,
        expected: &TokenHash,
        next: &TokenHash,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE sessions SET token_hash = $1, user_id = $2, user_checked_at = $3, checks = $4, \
             client_id = $5, updated_at = $6, expires_at = $7, risk = $8 \
             WHERE id = $9 AND token_hash = $10",
        )
        .bind(next.0)
        .bind(&s.user_id)
        .bind(s.user_checked_at.map(|t| t.0))
        .bind(json(&s.checks)?)
        .bind(&s.client_id)
        .bind(s.updated_at.0)
        .bind(s.expires_at.0)
        .bind(s.risk.as_ref().map(json).transpose()?)
        .bind(&s.id)
        .bind(expected.0)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_session(&self, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_session_risk(&self, s: &Session) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE sessions SET risk = $1 WHERE id = $2")
            .bind(s.risk.as_ref().map(json).transpose()?)
            .bind(&s.id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
