use async_trait::async_trait;
use rusqlite::Row;
use twofold_core::UnixTime;
use twofold_core::admin_token::{AdminToken, Revocation};
use twofold_core::secrets::TokenHash;

use super::SqliteStore;
use super::rows::{all, execute, one, optional_time, time};
use crate::{AdminTokens, StoreError};

fn admin_token(row: &Row<'_>) -> Result<AdminToken, StoreError> {
    Ok(AdminToken {
        id: row.get("id")?,
        tenant_id: row.get("tenant_id")?,
        name: row.get("name")?,
        created_at: time(row, "created_at")?,
        last_used_at: optional_time(row, "last_used_at")?,
    })
}

#[async_trait]
impl AdminTokens for SqliteStore {
    async fn insert_admin_token(
        &self,
        token: &AdminToken,
        hash: &TokenHash,
    ) -> Result<(), StoreError> {
        let (token, hash) = (token.clone(), hash.0);
        self.write(move |conn| {
            execute(
                conn,
                "INSERT INTO admin_tokens (token_hash, id, tenant_id, name, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                (
                    hash,
                    token.id,
                    token.tenant_id,
                    token.name,
                    token.created_at.0,
                ),
            )?;
            Ok(())
        })
        .await
    }

    async fn admin_token_by_hash(
        &self,
        hash: &TokenHash,
    ) -> Result<Option<AdminToken>, StoreError> {
        let hash = hash.0;
        self.read(move |conn| {
            one(
                conn,
                "SELECT id, tenant_id, name, created_at, last_used_at FROM admin_tokens \
                 WHERE token_hash = ?1",
                [hash],
                admin_token,
            )
        })
        .await
    }

    async fn admin_tokens(&self, tenant_id: &str) -> Result<Vec<AdminToken>, StoreError> {
        let tenant_id = tenant_id.to_owned();
        self.read(move |conn| {
            all(
                conn,
                "SELECT id, tenant_id, name, created_at, last_used_at FROM admin_tokens \
                 WHERE tenant_id = ?1 ORDER BY created_at, id",
                [tenant_id],
                admin_token,
            )
        })
        .await
    }

    async fn record_admin_token_use(&self, id: &str, now: UnixTime) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.write(move |conn| {
            execute(
                conn,
                "UPDATE admin_tokens SET last_used_at = ?1 WHERE id = ?2",
                (now.0, id),
            )?;
            Ok(())
        })
        .await
    }

    /// The count and the delete in one writer closure: no other write comes between them, so two
    /// operators revoking the last two tokens at once cannot both succeed.
    async fn revoke_admin_token(
        &self,
        tenant_id: &str,
        id: &str,
    ) -> Result<Revocation, StoreError> {
        let (tenant_id, id) = (tenant_id.to_owned(), id.to_owned());
        self.write(move |conn| {
            let tokens: i64 = one(
                conn,
                "SELECT COUNT(*) FROM admin_tokens WHERE tenant_id = ?1",
                [&tenant_id],
                |row| Ok(row.get(0)?),
            )?
            .unwrap_or(0);
            let exists = one(
                conn,
                "SELECT 1 FROM admin_tokens WHERE tenant_id = ?1 AND id = ?2",
                [&tenant_id, &id],
                |_| Ok(()),
            )?
            .is_some();
            if !exists {
                return Ok(Revocation::NotFound);
            }
            if tokens <= 1 {
                return Ok(Revocation::Last);
            }
            execute(
                conn,
                "DELETE FROM admin_tokens WHERE tenant_id = ?1 AND id = ?2",
                [&tenant_id, &id],
            )?;
            Ok(Revocation::Revoked)
        })
        .await
    }
}
