use async_trait::async_trait;
use rusqlite::Row;
use twofold_core::UnixTime;
use twofold_core::authorize::{AuthRequest, Prompt, ValidRequest};

use super::SqliteStore;
use super::rows::{corrupt, execute, from_json, json, one, optional_time, time};
use crate::{AuthRequests, StoreError};

fn auth_request(row: &Row<'_>) -> Result<AuthRequest, StoreError> {
    let scope: String = row.get("scope")?;
    let acr: String = row.get("acr_values")?;
    let prompt: Option<String> = row.get("prompt")?;
    let max_age: Option<i64> = row.get("max_age")?;
    Ok(AuthRequest {
        id: row.get("id")?,
        tenant_id: row.get("tenant_id")?,
        request: ValidRequest {
            client_id: row.get("client_id")?,
            redirect_uri: row.get("redirect_uri")?,
            scope: from_json(&scope, "auth_requests.scope")?,
            state: row.get("state")?,
            nonce: row.get("nonce")?,
            code_challenge: row.get("code_challenge")?,
            acr_values: from_json(&acr, "auth_requests.acr_values")?,
            max_age: max_age
                .map(|m| u64::try_from(m).map_err(|_| corrupt("auth_requests.max_age")))
                .transpose()?,
            prompt: prompt
                .map(|p| Prompt::parse(&p).ok_or_else(|| corrupt("auth_requests.prompt")))
                .transpose()?,
        },
        created_at: time(row, "created_at")?,
        expires_at: time(row, "expires_at")?,
        session_id: row.get("session_id")?,
        consumed_at: optional_time(row, "consumed_at")?,
    })
}

#[async_trait]
impl AuthRequests for SqliteStore {
    async fn insert_auth_request(&self, request: &AuthRequest) -> Result<(), StoreError> {
        let a = request.clone();
        let (scope, acr) = (json(&a.request.scope)?, json(&a.request.acr_values)?);
        self.write(move |conn| {
            let r = &a.request;
            execute(
                conn,
                "INSERT INTO auth_requests (id, tenant_id, client_id, redirect_uri, scope, state, \
                 nonce, code_challenge, acr_values, max_age, prompt, created_at, expires_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                rusqlite::params![
                    a.id,
                    a.tenant_id,
                    r.client_id,
                    r.redirect_uri,
                    scope,
                    r.state,
                    r.nonce,
                    r.code_challenge,
                    acr,
                    r.max_age.map(|m| i64::try_from(m).unwrap_or(i64::MAX)),
                    r.prompt.map(|p| p.as_str()),
                    a.created_at.0,
                    a.expires_at.0,
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn auth_request(&self, id: &str) -> Result<Option<AuthRequest>, StoreError> {
        let id = id.to_owned();
        self.read(move |conn| {
            one(
                conn,
                "SELECT id, tenant_id, client_id, redirect_uri, scope, state, nonce, \
                 code_challenge, acr_values, max_age, prompt, created_at, expires_at, session_id, \
                 consumed_at FROM auth_requests WHERE id = ?1",
                [id],
                auth_request,
            )
        })
        .await
    }

    /// Binds the request to a session, unless it was answered already, has expired, or is bound
    /// to a session that still exists (deleting that session releases it).
    async fn bind_auth_request(
        &self,
        id: &str,
        session_id: &str,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        let (id, session_id) = (id.to_owned(), session_id.to_owned());
        self.write(move |conn| {
            let bound = execute(
                conn,
                "UPDATE auth_requests SET session_id = ?1 \
                 WHERE id = ?2 AND consumed_at IS NULL AND expires_at > ?3 \
                 AND (session_id IS NULL OR NOT EXISTS \
                 (SELECT 1 FROM sessions WHERE sessions.id = auth_requests.session_id))",
                (session_id, id, now.0),
            )?;
            Ok(bound == 1)
        })
        .await
    }

    async fn consume_auth_request(
        &self,
        id: &str,
        session_id: &str,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        let (id, session_id) = (id.to_owned(), session_id.to_owned());
        self.write(move |conn| {
            let consumed = execute(
                conn,
                "UPDATE auth_requests SET consumed_at = ?1, session_id = ?2 \
                 WHERE id = ?3 AND consumed_at IS NULL AND expires_at > ?1 \
                 AND (session_id IS NULL OR session_id = ?2)",
                (now.0, session_id, id),
            )?;
            Ok(consumed == 1)
        })
        .await
    }
}
