use sqlx::Row;
use sqlx::any::AnyRow;
use twofold_core::UnixTime;
use twofold_core::signing_key::SigningKey;

use super::SqlStore;
use crate::StoreError;

fn signing_key(row: &AnyRow) -> Result<SigningKey, StoreError> {
    Ok(SigningKey {
        kid: row.try_get("kid")?,
        tenant_id: row.try_get("tenant_id")?,
        alg: row.try_get("alg")?,
        sealed_private: row.try_get("sealed_private")?,
        public_jwk: row.try_get("public_jwk")?,
        created_at: UnixTime(row.try_get("created_at")?),
        retired_at: row.try_get::<Option<i64>, _>("retired_at")?.map(UnixTime),
    })
}

impl SqlStore {
    pub(super) async fn insert_signing_key_row(&self, k: &SigningKey) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO signing_keys (kid, tenant_id, alg, sealed_private, public_jwk, created_at, retired_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&k.kid)
        .bind(&k.tenant_id)
        .bind(&k.alg)
        .bind(k.sealed_private.clone())
        .bind(&k.public_jwk)
        .bind(k.created_at.0)
        .bind(k.retired_at.map(|t| t.0))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(super) async fn signing_keys_rows(
        &self,
        tenant_id: &str,
    ) -> Result<Vec<SigningKey>, StoreError> {
        let found = sqlx::query(
            "SELECT kid, tenant_id, alg, sealed_private, public_jwk, created_at, retired_at \
             FROM signing_keys WHERE tenant_id = $1 \
             ORDER BY created_at DESC, CASE WHEN retired_at IS NULL THEN 0 ELSE 1 END, retired_at DESC, kid",
        )
        .bind(tenant_id)
        .fetch_all(&self.pool)
        .await?;
        found.iter().map(signing_key).collect()
    }

    pub(super) async fn retire_signing_keys_row(
        &self,
        tenant_id: &str,
        except_kid: &str,
        at: UnixTime,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE signing_keys SET retired_at = $1 WHERE tenant_id = $2 AND kid <> $3 AND retired_at IS NULL",
        )
        .bind(at.0)
        .bind(tenant_id)
        .bind(except_kid)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}
