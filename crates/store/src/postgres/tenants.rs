use async_trait::async_trait;
use sqlx::Row;
use twofold_core::UnixTime;
use twofold_core::settings::LoginSettings;

use super::PgStore;
use super::rows::{corrupt, json};
use crate::{SettingsRevision, StoreError, Tenants};

#[async_trait]
impl Tenants for PgStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn ensure_tenant(
        &self,
        id: &str,
        name: &str,
        settings: &LoginSettings,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO tenants (id, name, settings, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(name)
        .bind(json(settings)?)
        .bind(now.0)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
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
        sqlx::query("UPDATE tenants SET settings = $1 WHERE id = $2")
            .bind(json(settings)?)
            .bind(tenant_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The revision is the stored text itself: a save compares it as it is, whatever form it was
    /// written in, so settings stored by an older version never look changed.
    async fn tenant_settings_revision(
        &self,
        tenant_id: &str,
    ) -> Result<Option<(LoginSettings, SettingsRevision)>, StoreError> {
        let row = sqlx::query("SELECT settings FROM tenants WHERE id = $1")
            .bind(tenant_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            let text: String = row.try_get("settings")?;
            let settings = serde_json::from_str(&text).map_err(|_| corrupt("tenants.settings"))?;
            Ok((settings, SettingsRevision(text)))
        })
        .transpose()
    }

    async fn replace_tenant_settings(
        &self,
        tenant_id: &str,
        settings: &LoginSettings,
        read: &SettingsRevision,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE tenants SET settings = $1 WHERE id = $2 AND settings = $3")
            .bind(json(settings)?)
            .bind(tenant_id)
            .bind(&read.0)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
