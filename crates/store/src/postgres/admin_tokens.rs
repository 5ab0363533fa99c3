use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;
use twofold_core::UnixTime;
use twofold_core::admin_token::{AdminToken, Revocation};
use twofold_core::secrets::TokenHash;

use super::PgStore;
use super::rows::{optional_time, time};
use crate::{AdminTokens, StoreError};

fn admin_token(row: &PgRow) -> Result<AdminToken, StoreError> {
    Ok(AdminToken {
        id: row.try_get("id")?,
        tenant_id: row.try_get("tenant_id")?,
        name: row.try_get("name")?,
        created_at: time(row, "created_at")?,
        last_used_at: optional_time(row, "last_used_at")?,
    })
}

#[async_trait]
impl AdminTokens for PgStore {
    async fn insert_admin_token(
        &self,
        token: &AdminToken,
        hash: &TokenHash,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO admin_tokens (token_hash, id, tenant_id, name, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(hash.0)
        .bind(&token.id)
        .bind(&token.tenant_id)
        .bind(&token.name)
        .bind(token.created_at.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn admin_token_by_hash(
        &self,
        hash: &TokenHash,
    ) -> Result<Option<AdminToken>, StoreError> {
        let row = sqlx::query(
            "SELECT id, tenant_id, name, created_at, last_used_at FROM admin_tokens \
             WHERE token_hash = $1",
        )
        .bind(hash.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(admin_token).transpose()
    }

    async fn admin_tokens(&self, tenant_id: &str) -> Result<Vec<AdminToken>, StoreError> {
        let found = sqlx::query(
            "SELECT id, tenant_id, name, created_at, last_used_at FROM admin_tokens \
             WHERE tenant_id = $1 ORDER BY created_at, id",
        )
        .bind(tenant_id)
        .fetch_all(&self.pool)
        .await?;
        found.iter().map(admin_token).collect()
    }

    async fn record_admin_token_use(&self, id: &str, now: UnixTime) -> Result<(), StoreError> {
        sqlx::query("UPDATE admin_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now.0)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The tenant row is locked first, so of two operators revoking the last two tokens at once
    /// the second counts after the first committed. The count and the delete are then one
    /// statement, which reads past the lock with a fresh snapshot.
    async fn revoke_admin_token(
        &self,
        tenant_id: &str,
        id: &str,
    ) -> Result<Revocation, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT id FROM tenants WHERE id = $1 FOR UPDATE")
            .bind(tenant_id)
            .fetch_optional(&mut *tx)
            .await?;
        let row = sqlx::query(
            "WITH mine AS (SELECT count(*) AS tokens, bool_or(id = $2) AS found \
                           FROM admin_tokens WHERE tenant_id = $1), \
                  gone AS (DELETE FROM admin_tokens WHERE tenant_id = $1 AND id = $2 \
                           AND (SELECT tokens FROM mine) > 1 RETURNING id) \
             SELECT COALESCE(found, false) AS found, EXISTS (SELECT 1 FROM gone) AS revoked FROM mine",
        )
        .bind(tenant_id)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        let found: bool = row.try_get("found")?;
        let revoked: bool = row.try_get("revoked")?;
        Ok(match (found, revoked) {
            (false, _) => Revocation::NotFound,
            (true, false) => Revocation::Last,
            (true, true) => Revocation::Revoked,
        })
    }
}
