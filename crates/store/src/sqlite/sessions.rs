use async_trait::async_trait;
use twofold_core::secrets::TokenHash;
use twofold_core::session::Session;

use super::SqliteStore;
use super::rows::{self, SESSION_COLUMNS, execute, json, one};
use crate::{Sessions, StoreError};

#[async_trait]
impl Sessions for SqliteStore {
    async fn insert_session(&self, session: &Session, token: &TokenHash) -> Result<(), StoreError> {
        let (s, token) = (session.clone(), token.0);
        let checks = json(&s.checks)?;
        let risk = s.risk.as_ref().map(json).transpose()?;
        self.write(move |conn| {
            execute(
                conn,
                "INSERT INTO sessions (id, tenant_id, user_id, token_hash, user_checked_at, checks, \
                 client_id, created_at, updated_at, expires_at, risk) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                rusqlite::params![
                    s.id,
                    s.tenant_id,
                    s.user_id,
                    token,
                    s.user_checked_at.map(|t| t.0),
                    checks,
                    s.client_id,
                    s.created_at.0,
                    s.updated_at.0,
                    s.expires_at.0,
                    risk,
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn session(&self, id: &str) -> Result<Option<(Session, TokenHash)>, StoreError> {
        let id = id.to_owned();
        self.read(move |conn| {
            let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?1");
            one(conn, &sql, [id], rows::session)
        })
        .await
    }

    async fn session_by_token(&self, token: &TokenHash) -> Result<Option<Session>, StoreError> {
        let token = token.0;
        self.read(move |conn| {
            let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = ?1");
            Ok(one(conn, &sql, [token], rows::session)?.map(|(session, _)| session))
        })
        .await
    }

    async fn update_session(
        &self,
        session: &Session,
        expected: &TokenHash,
        next: &TokenHash,
    ) -> Result<bool, StoreError> {
        let (s, expected, next) = (session.clone(), expected.0, next.0);
        let checks = json(&s.checks)?;
        let risk = s.risk.as_ref().map(json).transpose()?;
        self.write(move |conn| {
            let saved = execute(
                conn,
                "UPDATE sessions SET token_hash = ?1, user_id = ?2, user_checked_at = ?3, \
                 checks = ?4, client_id = ?5, updated_at = ?6, expires_at = ?7, risk = ?8 \
                 WHERE id = ?9 AND token_hash = ?10",
                rusqlite::params![
                    next,
                    s.user_id,
                    s.user_checked_at.map(|t| t.0),
                    checks,
                    s.client_id,
                    s.updated_at.0,
                    s.expires_at.0,
                    risk,
                    s.id,
                    expected,
                ],
            )?;
            Ok(saved == 1)
        })
        .await
    }

    async fn delete_session(&self, id: &str) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.write(move |conn| Ok(execute(conn, "DELETE FROM sessions WHERE id = ?1", [id])? == 1))
            .await
    }

    async fn set_session_risk(&self, session: &Session) -> Result<bool, StoreError> {
        let id = session.id.clone();
        let risk = session.risk.as_ref().map(json).transpose()?;
        self.write(move |conn| {
            Ok(execute(
                conn,
                "UPDATE sessions SET risk = ?1 WHERE id = ?2",
                (risk, id),
            )? == 1)
        })
        .await
    }
}
