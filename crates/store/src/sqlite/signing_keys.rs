use async_trait::async_trait;
use rusqlite::Row;
use twofold_core::UnixTime;
use twofold_core::signing_key::SigningKey;

use super::SqliteStore;
use super::rows::{all, execute, optional_time, time};
use crate::{SigningKeys, StoreError};

fn signing_key(row: &Row<'_>) -> Result<SigningKey, StoreError> {
    Ok(SigningKey {
        kid: row.get("kid")?,
        tenant_id: row.get("tenant_id")?,
        alg: row.get("alg")?,
        sealed_private: row.get("sealed_private")?,
        public_jwk: row.get("public_jwk")?,
        created_at: time(row, "created_at")?,
        retired_at: optional_time(row, "retired_at")?,
    })
}

#[async_trait]
impl SigningKeys for SqliteStore {
    async fn insert_signing_key(&self, key: &SigningKey) -> Result<(), StoreError> {
        let k = key.clone();
        self.write(move |conn| {
            execute(
                conn,
                "INSERT INTO signing_keys (kid, tenant_id, alg, sealed_private, public_jwk, \
                 created_at, retired_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                (
                    k.kid,
                    k.tenant_id,
                    k.alg,
                    k.sealed_private,
                    k.public_jwk,
                    k.created_at.0,
                    k.retired_at.map(|t| t.0),
                ),
            )?;
            Ok(())
        })
        .await
    }

    async fn signing_keys(&self, tenant_id: &str) -> Result<Vec<SigningKey>, StoreError> {
        let tenant_id = tenant_id.to_owned();
        self.read(move |conn| {
            all(
                conn,
                "SELECT kid, tenant_id, alg, sealed_private, public_jwk, created_at, retired_at \
                 FROM signing_keys WHERE tenant_id = ?1 ORDER BY created_at DESC, \
                 CASE WHEN retired_at IS NULL THEN 0 ELSE 1 END, retired_at DESC, kid",
                [tenant_id],
                signing_key,
            )
        })
        .await
    }

    async fn retire_signing_keys(
        &self,
        tenant_id: &str,
        except_kid: &str,
        at: UnixTime,
    ) -> Result<u64, StoreError> {
        let (tenant_id, except_kid) = (tenant_id.to_owned(), except_kid.to_owned());
        self.write(move |conn| {
            let retired = execute(
                conn,
                "UPDATE signing_keys SET retired_at = ?1 \
                 WHERE tenant_id = ?2 AND kid <> ?3 AND retired_at IS NULL",
                (at.0, tenant_id, except_kid),
            )?;
            Ok(retired as u64)
        })
        .await
    }
}
