use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;
use twofold_core::UnixTime;
use twofold_core::signing_key::SigningKey;

use super::PgStore;
use super::rows::{optional_time, time};
use crate::{SigningKeys, StoreError};

fn signing_key(row: &PgRow) -> Result<SigningKey, StoreError> {
    Ok(SigningKey {
        kid: row.try_get("kid")?,
        tenant_id: row.try_get("tenant_id")?,
        alg: row.try_get("alg")?,
        sealed_private: row.try_get("sealed_private")?,
        public_jwk: row.try_get("public_jwk")?,
        created_at: time(row, "created_at")?,
        retired_at: optional_time(row, "retired_at")?,
    })
}

#[async_trait]
impl SigningKeys for PgStore {
    async fn insert_signing_key(&self, k: &SigningKey) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO signing_keys (kid, tenant_id, alg, sealed_private, public_jwk, created_at, \
             retired_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&k.kid)
        .bind(&k.tenant_id)
        .bind(&k.alg)
        .bind(&k.sealed_private)
        .bind(&k.public_jwk)
        .bind(k.created_at.0)
        .bind(k.retired_at.map(|t| t.0))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn signing_keys(&self, tenant_id: &str) -> Result<Vec<SigningKey>, StoreError> {
        let found = sqlx::query(
            "SELECT kid, tenant_id, alg, sealed_private, public_jwk, created_at, retired_at \
             FROM signing_keys WHERE tenant_id = $1 \
             ORDER BY created_at DESC, retired_at IS NOT NULL, retired_at DESC, kid",
        )
        .bind(tenant_id)
        .fetch_all(&self.pool)
        .await?;
        found.iter().map(signing_key).collect()
    }

    async fn retire_signing_keys(
        &self,
        tenant_id: &str,
        except_kid: &str,
        at: UnixTime,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE signing_keys SET retired_at = $1 \
             WHERE tenant_id = $2 AND kid <> $3 AND retired_at IS NULL",
        )
        .bind(at.0)
        .bind(tenant_id)
        .bind(except_kid)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}
