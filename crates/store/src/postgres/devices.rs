//! Devices a user completed a sign-in from, and the networks such sign-ins came from.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;
use twofold_core::UnixTime;
use twofold_core::device::Device;
use twofold_core::secrets::TokenHash;

use super::PgStore;
use super::rows::{optional_time, time};
use crate::{Devices, StoreError};

fn device(row: &PgRow) -> Result<Device, StoreError> {
    Ok(Device {
        id: row.try_get("id")?,
        tenant_id: row.try_get("tenant_id")?,
        user_id: row.try_get("user_id")?,
        trusted_until: optional_time(row, "trusted_until")?,
        last_second_factor_at: optional_time(row, "last_second_factor_at")?,
        created_at: time(row, "created_at")?,
        last_seen_at: time(row, "last_seen_at")?,
    })
}

#[async_trait]
impl Devices for PgStore {
    async fn insert_device(&self, d: &Device, token: &TokenHash) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO devices (id, tenant_id, user_id, token_hash, trusted_until, \
             last_second_factor_at, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&d.id)
        .bind(&d.tenant_id)
        .bind(&d.user_id)
        .bind(token.0)
        .bind(d.trusted_until.map(|t| t.0))
        .bind(d.last_second_factor_at.map(|t| t.0))
        .bind(d.created_at.0)
        .bind(d.last_seen_at.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn device_by_token(&self, token: &TokenHash) -> Result<Option<Device>, StoreError> {
        let row = sqlx::query(
            "SELECT id, tenant_id, user_id, trusted_until, last_second_factor_at, created_at, \
             last_seen_at FROM devices WHERE token_hash = $1",
        )
        .bind(token.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(device).transpose()
    }

    async fn devices_of(&self, user_id: &str) -> Result<Vec<Device>, StoreError> {
        let found = sqlx::query(
            "SELECT id, tenant_id, user_id, trusted_until, last_second_factor_at, created_at, \
             last_seen_at FROM devices WHERE user_id = $1 ORDER BY created_at, id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        found.iter().map(device).collect()
    }

    async fn update_device(&self, d: &Device) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE devices SET trusted_until = $1, last_second_factor_at = $2, last_seen_at = $3 \
             WHERE id = $4",
        )
        .bind(d.trusted_until.map(|t| t.0))
        .bind(d.last_second_factor_at.map(|t| t.0))
        .bind(d.last_seen_at.0)
        .bind(&d.id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_device(&self, user_id: &str, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM devices WHERE user_id = $1 AND id = $2")
            .bind(user_id)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn record_network(
        &self,
        user_id: &str,
        network: &str,
        now: UnixTime,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO user_networks (user_id, network, last_seen_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, network) DO UPDATE SET last_seen_at = excluded.last_seen_at",
        )
        .bind(user_id)
        .bind(network)
        .bind(now.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn knows_network(&self, user_id: &str, network: &str) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT EXISTS (SELECT 1 FROM user_networks WHERE user_id = $1 AND network = $2) AS known",
        )
        .bind(user_id)
        .bind(network)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("known")?)
    }
}
