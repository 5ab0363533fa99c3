use sqlx::Row;
use sqlx::any::AnyRow;
use twofold_core::UnixTime;
use twofold_core::admin_token::{AdminToken, Revocation};
use twofold_core::secrets::TokenHash;

use super::SqlStore;
use crate::StoreError;

const COLUMNS: &str = "id, tenant_id, name, created_at, last_used_at";

fn admin_token(row: &AnyRow) -> Result<AdminToken, StoreError> {
    Ok(AdminToken {
        id: row.try_get("id")?,
        tenant_id: row.try_get("tenant_id")?,
        name: row.try_get("name")?,
        created_at: UnixTime(row.try_get("created_at")?),
        last_used_at: row.try_get::<Option<i64>, _>("last_used_at")?.map(UnixTime),
    })
}

impl SqlStore {
    pub(super) async fn insert_admin_token_row(
        &self,
        token: &AdminToken,
        hash: &TokenHash,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO admin_tokens (token_hash, id, tenant_id, name, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(hash.0.to_vec())
        .bind(&token.id)
        .bind(&token.tenant_id)
        .bind(&token.name)
        .bind(token.created_at.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(super) async fn admin_token_by_hash_row(
        &self,
        hash: &TokenHash,
    ) -> Result<Option<AdminToken>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM admin_tokens WHERE token_hash = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(hash.0.to_vec())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(admin_token).transpose()
    }

    pub(super) async fn admin_token_rows(
        &self,
        tenant_id: &str,
    ) -> Result<Vec<AdminToken>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM admin_tokens WHERE tenant_id = $1 ORDER BY created_at, id"
        );
        let found = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant_id)
            .fetch_all(&self.pool)
            .await?;
        found.iter().map(admin_token).collect()
    }

    pub(super) async fn record_admin_token_use_row(
        &self,
        id: &str,
        now: UnixTime,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE admin_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now.0)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The count and the delete in one transaction that writes first (a no-op update of the
    /// tenant): SQLite takes its write lock at once instead of failing to upgrade a read, and two
    /// operators revoking the last two tokens at once cannot both succeed.
    pub(super) async fn revoke_admin_token_row(
        &self,
        tenant_id: &str,
        id: &str,
    ) -> Result<Revocation, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE tenants SET id = id WHERE id = $1")
            .bind(tenant_id)
            .execute(&mut *tx)
            .await?;
        let exists = sqlx::query("SELECT id FROM admin_tokens WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if !exists {
            return Ok(Revocation::NotFound);
        }
        let count: i64 = sqlx::query("SELECT COUNT(*) AS n FROM admin_tokens WHERE tenant_id = $1")
            .bind(tenant_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
        if count <= 1 {
            return Ok(Revocation::Last);
        }
        sqlx::query("DELETE FROM admin_tokens WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Revocation::Revoked)
    }
}
