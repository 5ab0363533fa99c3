//! Grants with their one authorization code, and the rotating refresh tokens hanging off them.
//! Redeeming a code and rotating a token are each one conditional update: of two racers, one wins.
//! Only the loser asks again, in a statement of its own: its fresh snapshot sees the winner's
//! use, so a replay is told from a code that never was.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;
use twofold_core::UnixTime;
use twofold_core::grant::{Grant, Redemption, Rotation};
use twofold_core::precheck::Authentication;
use twofold_core::secrets::TokenHash;

use super::PgStore;
use super::rows::{corrupt, json, optional_time, time};
use crate::{Grants, StoreError};

/// The grant's columns, in `SELECT` and `RETURNING` lists.
macro_rules! grant_columns {
    () => {
        "id, tenant_id, client_id, user_id, session_id, redirect_uri, scope, nonce, code_challenge, \
         auth_time, amr, acr, code_expires_at, created_at, revoked_at"
    };
}

fn grant(row: &PgRow) -> Result<Grant, StoreError> {
    let scope: String = row.try_get("scope")?;
    let amr: String = row.try_get("amr")?;
    Ok(Grant {
        id: row.try_get("id")?,
        tenant_id: row.try_get("tenant_id")?,
        client_id: row.try_get("client_id")?,
        user_id: row.try_get("user_id")?,
        session_id: row.try_get("session_id")?,
        redirect_uri: row.try_get("redirect_uri")?,
        scope: serde_json::from_str(&scope).map_err(|_| corrupt("grants.scope"))?,
        nonce: row.try_get("nonce")?,
        code_challenge: row.try_get("code_challenge")?,
        authentication: Authentication {
            auth_time: time(row, "auth_time")?,
            amr: serde_json::from_str(&amr).map_err(|_| corrupt("grants.amr"))?,
            acr: row.try_get("acr")?,
        },
        created_at: time(row, "created_at")?,
        code_expires_at: time(row, "code_expires_at")?,
        revoked_at: optional_time(row, "revoked_at")?,
    })
}

#[async_trait]
impl Grants for PgStore {
    async fn insert_grant(&self, g: &Grant, code: &TokenHash) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO grants (id, tenant_id, client_id, user_id, session_id, redirect_uri, scope, \
             nonce, code_challenge, auth_time, amr, acr, code_hash, code_expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(&g.id)
        .bind(&g.tenant_id)
        .bind(&g.client_id)
        .bind(&g.user_id)
        .bind(&g.session_id)
        .bind(&g.redirect_uri)
        .bind(json(&g.scope)?)
        .bind(&g.nonce)
        .bind(&g.code_challenge)
        .bind(g.authentication.auth_time.0)
        .bind(json(&g.authentication.amr)?)
        .bind(&g.authentication.acr)
        .bind(code.0)
        .bind(g.code_expires_at.0)
        .bind(g.created_at.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn grant(&self, id: &str) -> Result<Option<Grant>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            grant_columns!(),
            " FROM grants WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(grant).transpose()
    }

    async fn redeem_code(&self, code: &TokenHash, now: UnixTime) -> Result<Redemption, StoreError> {
        let redeemed = sqlx::query(concat!(
            "UPDATE grants SET code_used_at = $1 WHERE code_hash = $2 AND code_used_at IS NULL \
             AND code_expires_at > $1 AND revoked_at IS NULL RETURNING ",
            grant_columns!()
        ))
        .bind(now.0)
        .bind(code.0)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(row) = redeemed {
            return Ok(Redemption::Redeemed(Box::new(grant(&row)?)));
        }
        let used =
            sqlx::query("SELECT id FROM grants WHERE code_hash = $1 AND code_used_at IS NOT NULL")
                .bind(code.0)
                .fetch_optional(&self.pool)
                .await?;
        Ok(match used {
            Some(row) => Redemption::Replayed {
                grant_id: row.try_get("id")?,
            },
            None => Redemption::Invalid,
        })
    }

    /// One statement: the grant and its unused refresh tokens.
    async fn revoke_grant(&self, id: &str, now: UnixTime) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "WITH tokens_gone AS (DELETE FROM refresh_tokens WHERE grant_id = $2 AND used_at IS NULL) \
             UPDATE grants SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(now.0)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// One statement: every live grant the session led to, and their refresh tokens.
    async fn revoke_grants_of_session(
        &self,
        session_id: &str,
        now: UnixTime,
    ) -> Result<u64, StoreError> {
        let row = sqlx::query(
            "WITH revoked AS (UPDATE grants SET revoked_at = $1 \
                              WHERE session_id = $2 AND revoked_at IS NULL RETURNING id), \
                  tokens_gone AS (DELETE FROM refresh_tokens WHERE grant_id IN (SELECT id FROM revoked)) \
             SELECT count(*) AS n FROM revoked",
        )
        .bind(now.0)
        .bind(session_id)
        .fetch_one(&self.pool)
        .await?;
        u64::try_from(row.try_get::<i64, _>("n")?).map_err(|_| corrupt("count"))
    }

    async fn insert_refresh_token(
        &self,
        hash: &TokenHash,
        grant_id: &str,
        now: UnixTime,
        expires_at: UnixTime,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO refresh_tokens (token_hash, grant_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(hash.0)
        .bind(grant_id)
        .bind(now.0)
        .bind(expires_at.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn rotate_refresh_token(
        &self,
        hash: &TokenHash,
        now: UnixTime,
    ) -> Result<Rotation, StoreError> {
        let rotated = sqlx::query(
            "UPDATE refresh_tokens SET used_at = $1 \
             WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING grant_id",
        )
        .bind(now.0)
        .bind(hash.0)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(row) = rotated {
            return Ok(Rotation::Rotated {
                grant_id: row.try_get("grant_id")?,
            });
        }
        let used = sqlx::query(
            "SELECT grant_id FROM refresh_tokens WHERE token_hash = $1 AND used_at IS NOT NULL",
        )
        .bind(hash.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match used {
            Some(row) => Rotation::Reused {
                grant_id: row.try_get("grant_id")?,
            },
            None => Rotation::Invalid,
        })
    }
}
