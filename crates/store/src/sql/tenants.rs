use sqlx::Row;
use twofold_core::UnixTime;
use twofold_core::settings::LoginSettings;

use super::SqlStore;
use super::rows::json;
use crate::StoreError;

impl SqlStore {
    pub(super) async fn ensure_tenant_row(
        &self,
        id: &str,
        name: &str,
        settings: &LoginSettings,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO tenants (id, name, settings, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(name)
        .bind(json(settings)?)
        .bind(now.0)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(super) async fn tenant_settings_row(
        &self,
        tenant_id: &str,
    ) -> Result<Option<LoginSettings>, StoreError> {
        let row = sqlx::query("SELECT settings FROM tenants WHERE id = $1")
            .bind(tenant_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            let json: String = row.try_get("settings")?;
            serde_json::from_str(&json)
                .map_err(|_| StoreError::Corrupt("tenants.settings".to_owned()))
        })
        .transpose()
    }

    pub(super) async fn save_tenant_settings_row(
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
}
