//! Devices a user completed a sign-in from, and the networks such sign-ins came from.

use async_trait::async_trait;
use rusqlite::Row;
use twofold_core::UnixTime;
use twofold_core::device::Device;
use twofold_core::secrets::TokenHash;

use super::SqliteStore;
use super::rows::{all, execute, one, optional_time, time};
use crate::{Devices, StoreError};

const SELECT_DEVICES: &str = "SELECT id, tenant_id, user_id, trusted_until, \
     last_second_factor_at, created_at, last_seen_at FROM devices";

fn device(row: &Row<'_>) -> Result<Device, StoreError> {
    Ok(Device {
        id: row.get("id")?,
        tenant_id: row.get("tenant_id")?,
        user_id: row.get("user_id")?,
        trusted_until: optional_time(row, "trusted_until")?,
        last_second_factor_at: optional_time(row, "last_second_factor_at")?,
        created_at: time(row, "created_at")?,
        last_seen_at: time(row, "last_seen_at")?,
    })
}

#[async_trait]
impl Devices for SqliteStore {
    async fn insert_device(&self, device: &Device, token: &TokenHash) -> Result<(), StoreError> {
        let (d, token) = (device.clone(), token.0);
        self.write(move |conn| {
            execute(
                conn,
                "INSERT INTO devices (id, tenant_id, user_id, token_hash, trusted_until, \
                 last_second_factor_at, created_at, last_seen_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                (
                    d.id,
                    d.tenant_id,
                    d.user_id,
                    token,
                    d.trusted_until.map(|t| t.0),
                    d.last_second_factor_at.map(|t| t.0),
                    d.created_at.0,
                    d.last_seen_at.0,
                ),
            )?;
            Ok(())
        })
        .await
    }

    async fn device_by_token(&self, token: &TokenHash) -> Result<Option<Device>, StoreError> {
        let token = token.0;
        self.read(move |conn| {
            let sql = format!("{SELECT_DEVICES} WHERE token_hash = ?1");
            one(conn, &sql, [token], device)
        })
        .await
    }

    async fn devices_of(&self, user_id: &str) -> Result<Vec<Device>, StoreError> {
        let user_id = user_id.to_owned();
        self.read(move |conn| {
            let sql = format!("{SELECT_DEVICES} WHERE user_id = ?1 ORDER BY created_at, id");
            all(conn, &sql, [user_id], device)
        })
        .await
    }

    async fn update_device(&self, device: &Device) -> Result<bool, StoreError> {
        let d = device.clone();
        self.write(move |conn| {
            let updated = execute(
                conn,
                "UPDATE devices SET trusted_until = ?1, last_second_factor_at = ?2, \
                 last_seen_at = ?3 WHERE id = ?4",
                (
                    d.trusted_until.map(|t| t.0),
                    d.last_second_factor_at.map(|t| t.0),
                    d.last_seen_at.0,
                    d.id,
                ),
            )?;
            Ok(updated == 1)
        })
        .await
    }

    async fn delete_device(&self, user_id: &str, id: &str) -> Result<bool, StoreError> {
        let (user_id, id) = (user_id.to_owned(), id.to_owned());
        self.write(move |conn| {
            Ok(execute(
                conn,
                "DELETE FROM devices WHERE user_id = ?1 AND id = ?2",
                [user_id, id],
            )? == 1)
        })
        .await
    }

    async fn record_network(
        &self,
        user_id: &str,
        network: &str,
        now: UnixTime,
    ) -> Result<(), StoreError> {
        let (user_id, network) = (user_id.to_owned(), network.to_owned());
        self.write(move |conn| {
            execute(
                conn,
                "INSERT INTO user_networks (user_id, network, last_seen_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (user_id, network) DO UPDATE SET last_seen_at = excluded.last_seen_at",
                (user_id, network, now.0),
            )?;
            Ok(())
        })
        .await
    }

    async fn knows_network(&self, user_id: &str, network: &str) -> Result<bool, StoreError> {
        let (user_id, network) = (user_id.to_owned(), network.to_owned());
        self.read(move |conn| {
            Ok(one(
                conn,
                "SELECT 1 FROM user_networks WHERE user_id = ?1 AND network = ?2",
                [user_id, network],
                |_| Ok(()),
            )?
            .is_some())
        })
        .await
    }
}
