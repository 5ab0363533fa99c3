//! Grants with their one authorization code, and the rotating refresh tokens hanging off them.
//! Redeeming a code and rotating a token are each one writer closure: of two racers, one wins.

use async_trait::async_trait;
use rusqlite::Row;
use twofold_core::UnixTime;
use twofold_core::grant::{Grant, Redemption, Rotation};
use twofold_core::precheck::Authentication;
use twofold_core::secrets::TokenHash;

use super::SqliteStore;
use super::rows::{execute, from_json, json, one, optional_time, time};
use crate::{Grants, StoreError};

const COLUMNS: &str = "id, tenant_id, client_id, user_id, session_id, redirect_uri, scope, nonce, \
     code_challenge, auth_time, amr, acr, code_expires_at, created_at, revoked_at";

fn grant(row: &Row<'_>) -> Result<Grant, StoreError> {
    let scope: String = row.get("scope")?;
    let amr: String = row.get("amr")?;
    Ok(Grant {
        id: row.get("id")?,
        tenant_id: row.get("tenant_id")?,
        client_id: row.get("client_id")?,
        user_id: row.get("user_id")?,
        session_id: row.get("session_id")?,
        redirect_uri: row.get("redirect_uri")?,
        scope: from_json(&scope, "grants.scope")?,
        nonce: row.get("nonce")?,
        code_challenge: row.get("code_challenge")?,
        authentication: Authentication {
            auth_time: time(row, "auth_time")?,
            amr: from_json(&amr, "grants.amr")?,
            acr: row.get("acr")?,
        },
        created_at: time(row, "created_at")?,
        code_expires_at: time(row, "code_expires_at")?,
        revoked_at: optional_time(row, "revoked_at")?,
    })
}

#[async_trait]
impl Grants for SqliteStore {
    async fn insert_grant(&self, grant: &Grant, code: &TokenHash) -> Result<(), StoreError> {
        let (g, code) = (grant.clone(), code.0);
        let (scope, amr) = (json(&g.scope)?, json(&g.authentication.amr)?);
        self.write(move |conn| {
            execute(
                conn,
                "INSERT INTO grants (id, tenant_id, client_id, user_id, session_id, redirect_uri, \
                 scope, nonce, code_challenge, auth_time, amr, acr, code_hash, code_expires_at, \
                 created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                rusqlite::params![
                    g.id,
                    g.tenant_id,
                    g.client_id,
                    g.user_id,
                    g.session_id,
                    g.redirect_uri,
                    scope,
                    g.nonce,
                    g.code_challenge,
                    g.authentication.auth_time.0,
                    amr,
                    g.authentication.acr,
                    code,
                    g.code_expires_at.0,
                    g.created_at.0,
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn grant(&self, id: &str) -> Result<Option<Grant>, StoreError> {
        let id = id.to_owned();
        self.read(move |conn| {
            let sql = format!("SELECT {COLUMNS} FROM grants WHERE id = ?1");
            one(conn, &sql, [id], grant)
        })
        .await
    }

    async fn redeem_code(&self, code: &TokenHash, now: UnixTime) -> Result<Redemption, StoreError> {
        let code = code.0;
        self.write(move |conn| {
            let sql = format!(
                "UPDATE grants SET code_used_at = ?1 WHERE code_hash = ?2 AND code_used_at IS NULL \
                 AND code_expires_at > ?1 AND revoked_at IS NULL RETURNING {COLUMNS}"
            );
            if let Some(redeemed) = one(conn, &sql, (now.0, code), grant)? {
                return Ok(Redemption::Redeemed(Box::new(redeemed)));
            }
            let used = one(
                conn,
                "SELECT id FROM grants WHERE code_hash = ?1 AND code_used_at IS NOT NULL",
                [code],
                |row| Ok(row.get::<_, String>("id")?),
            )?;
            Ok(match used {
                Some(grant_id) => Redemption::Replayed { grant_id },
                None => Redemption::Invalid,
            })
        })
        .await
    }

    async fn revoke_grant(&self, id: &str, now: UnixTime) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.write(move |conn| {
            let revoked = execute(
                conn,
                "UPDATE grants SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                (now.0, &id),
            )?;
            execute(
                conn,
                "DELETE FROM refresh_tokens WHERE grant_id = ?1 AND used_at IS NULL",
                [&id],
            )?;
            Ok(revoked == 1)
        })
        .await
    }

    async fn revoke_grants_of_session(
        &self,
        session_id: &str,
        now: UnixTime,
    ) -> Result<u64, StoreError> {
        let session_id = session_id.to_owned();
        self.write(move |conn| {
            execute(
                conn,
                "DELETE FROM refresh_tokens WHERE grant_id IN \
                 (SELECT id FROM grants WHERE session_id = ?1 AND revoked_at IS NULL)",
                [&session_id],
            )?;
            let revoked = execute(
                conn,
                "UPDATE grants SET revoked_at = ?1 WHERE session_id = ?2 AND revoked_at IS NULL",
                (now.0, &session_id),
            )?;
            Ok(revoked as u64)
        })
        .await
    }

    async fn insert_refresh_token(
        &self,
        hash: &TokenHash,
        grant_id: &str,
        now: UnixTime,
        expires_at: UnixTime,
    ) -> Result<(), StoreError> {
        let (hash, grant_id) = (hash.0, grant_id.to_owned());
        self.write(move |conn| {
            execute(
                conn,
                "INSERT INTO refresh_tokens (token_hash, grant_id, created_at, expires_at) \
                 VALUES (?1, ?2, ?3, ?4)",
                (hash, grant_id, now.0, expires_at.0),
            )?;
            Ok(())
        })
        .await
    }

    async fn rotate_refresh_token(
        &self,
        hash: &TokenHash,
        now: UnixTime,
    ) -> Result<Rotation, StoreError> {
        let hash = hash.0;
        self.write(move |conn| {
            let rotated = one(
                conn,
                "UPDATE refresh_tokens SET used_at = ?1 \
                 WHERE token_hash = ?2 AND used_at IS NULL AND expires_at > ?1 RETURNING grant_id",
                (now.0, hash),
                |row| Ok(row.get::<_, String>("grant_id")?),
            )?;
            if let Some(grant_id) = rotated {
                return Ok(Rotation::Rotated { grant_id });
            }
            let used = one(
                conn,
                "SELECT grant_id FROM refresh_tokens WHERE token_hash = ?1 AND used_at IS NOT NULL",
                [hash],
                |row| Ok(row.get::<_, String>("grant_id")?),
            )?;
            Ok(match used {
                Some(grant_id) => Rotation::Reused { grant_id },
                None => Rotation::Invalid,
            })
        })
        .await
    }
}
