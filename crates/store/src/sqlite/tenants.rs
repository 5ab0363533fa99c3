use async_trait::async_trait;
use twofold_core::UnixTime;
use twofold_core::settings::LoginSettings;

use super::SqliteStore;
use super::rows::{execute, json, one};
use crate::{SettingsRevision, StoreError, Tenants};

#[async_trait]
impl Tenants for SqliteStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.read(|conn| one(conn, "SELECT 1", [], |_| Ok(())).map(|_| ()))
            .await
    }

    async fn ensure_tenant(
        &self,
        id: &str,
        name: &str,
        settings: &LoginSettings,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        let (id, name, settings) = (id.to_owned(), name.to_owned(), json(settings)?);
        self.write(move |conn| {
            let created = execute(
                conn,
                "INSERT INTO tenants (id, name, settings, created_at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (id) DO NOTHING",
                (id, name, settings, now.0),
            )?;
            Ok(created == 1)
        })
        .await
    }

    async fn tenant_settings(&self, tenant_id: &str) -> Result<Option<LoginSettings>, StoreError> {
        Ok(self
            .tenant_settings_revision(tenant_id)
            .await?
            .map(|(settings, _)| settings))
    }

    async fn save_tenant_settings(
        &self,
        tenant_id: &str,
        settings: &LoginSettings,
    ) -> Result<(), StoreError> {
        let (tenant_id, settings) = (tenant_id.to_owned(), json(settings)?);
        self.write(move |conn| {
            execute(
                conn,
                "UPDATE tenants SET settings = ?1 WHERE id = ?2",
                (settings, tenant_id),
            )?;
            Ok(())
        })
        .await
    }

    /// The revision is the stored text itself: a save compares it as it is, whatever form it was
    /// written in, so settings stored by an older version never look changed.
    async fn tenant_settings_revision(
        &self,
        tenant_id: &str,
    ) -> Result<Option<(LoginSettings, SettingsRevision)>, StoreError> {
        let tenant_id = tenant_id.to_owned();
        self.read(move |conn| {
            one(
                conn,
                "SELECT settings FROM tenants WHERE id = ?1",
                [tenant_id],
                |row| {
                    let text: String = row.get("settings")?;
                    let settings = serde_json::from_str(&text)
                        .map_err(|_| StoreError::Corrupt("tenants.settings".to_owned()))?;
                    Ok((settings, SettingsRevision(text)))
                },
            )
        })
        .await
    }

    async fn replace_tenant_settings(
        &self,
        tenant_id: &str,
        settings: &LoginSettings,
        read: &SettingsRevision,
    ) -> Result<bool, StoreError> {
        let (tenant_id, settings, read) = (tenant_id.to_owned(), json(settings)?, read.0.clone());
        self.write(move |conn| {
            let saved = execute(
                conn,
                "UPDATE tenants SET settings = ?1 WHERE id = ?2 AND settings = ?3",
                (settings, tenant_id, read),
            )?;
            Ok(saved == 1)
        })
        .await
    }
}
