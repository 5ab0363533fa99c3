use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;
use twofold_core::UnixTime;
use twofold_core::authorize::{AuthRequest, Prompt, ValidRequest};

use super::PgStore;
use super::rows::{corrupt, json, optional_time, time};
use crate::{AuthRequests, StoreError};

fn auth_request(row: &PgRow) -> Result<AuthRequest, StoreError> {
    let scope: String = row.try_get("scope")?;
    let acr: String = row.try_get("acr_values")?;
    let prompt: Option<String> = row.try_get("prompt")?;
    let max_age: Option<i64> = row.try_get("max_age")?;
    Ok(AuthRequest {
        id: row.try_get("id")?,
        tenant_id: row.try_get("tenant_id")?,
        request: ValidRequest {
            client_id: row.try_get("client_id")?,
            redirect_uri: row.try_get("redirect_uri")?,
            scope: serde_json::from_str(&scope).map_err(|_| corrupt("auth_requests.scope"))?,
            state: row.try_get("state")?,
            nonce: row.try_get("nonce")?,
            code_challenge: row.try_get("code_challenge")?,
            acr_values: serde_json::from_str(&acr)
                .map_err(|_| corrupt("auth_requests.acr_values"))?,
            max_age: max_age
                .map(|m| u64::try_from(m).map_err(|_| corrupt("auth_requests.max_age")))
                .transpose()?,
            prompt: prompt
                .map(|p| Prompt::parse(&p).ok_or_else(|| corrupt("auth_requests.prompt")))
                .transpose()?,
        },
        created_at: time(row, "created_at")?,
        expires_at: time(row, "expires_at")?,
        session_id: row.try_get("session_id")?,
        consumed_at: optional_time(row, "consumed_at")?,
    })
}

#[async_trait]
impl AuthRequests for PgStore {
    async fn insert_auth_request(&self, a: &AuthRequest) -> Result<(), StoreError> {
        let r = &a.request;
        sqlx::query(
            "INSERT INTO auth_requests (id, tenant_id, client_id, redirect_uri, scope, state, nonce, \
             code_challenge, acr_values, max_age, prompt, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(&a.id)
        .bind(&a.tenant_id)
        .bind(&r.client_id)
        .bind(&r.redirect_uri)
        .bind(json(&r.scope)?)
        .bind(&r.state)
        .bind(&r.nonce)
        .bind(&r.code_challenge)
        .bind(json(&r.acr_values)?)
        .bind(r.max_age.map(|m| i64::try_from(m).unwrap_or(i64::MAX)))
        .bind(r.prompt.map(|p| p.as_str()))
        .bind(a.created_at.0)
        .bind(a.expires_at.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn auth_request(&self, id: &str) -> Result<Option<AuthRequest>, StoreError> {
        let row = sqlx::query(
            "SELECT id, tenant_id, client_id, redirect_uri, scope, state, nonce, code_challenge, \
             acr_values, max_age, prompt, created_at, expires_at, session_id, consumed_at \
             FROM auth_requests WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(auth_request).transpose()
    }

    /// Binds the request to a session, unless it was answered already, has expired, or is bound
    /// to a session that still exists (deleting that session releases it).
    async fn bind_auth_request(
        &self,
        id: &str,
        session_id: &str,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE auth_requests SET session_id = $1 \
             WHERE id = $2 AND consumed_at IS NULL AND expires_at > $3 \
             AND (session_id IS NULL \
                  OR NOT EXISTS (SELECT 1 FROM sessions WHERE sessions.id = auth_requests.session_id))",
        )
        .bind(session_id)
        .bind(id)
        .bind(now.0)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// True for exactly one caller, and only for its bound session (or any while none is bound).
    async fn consume_auth_request(
        &self,
        id: &str,
        session_id: &str,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE auth_requests SET consumed_at = $1, session_id = $2 \
             WHERE id = $3 AND consumed_at IS NULL AND expires_at > $1 \
             AND (session_id IS NULL OR session_id = $2)",
        )
        .bind(now.0)
        .bind(session_id)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
