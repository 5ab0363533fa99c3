use crate::StoreError;
use async_trait::async_trait;
use twofold_core::UnixTime;
use twofold_core::settings::LoginSettings;

/// Which stored settings a change was built on: opaque, compared by the store when saving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsRevision(pub(crate) String);

/// Tenants and their login settings.
#[async_trait]
pub trait Tenants: Send + Sync {
    /// Answers only when the database does.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Creates the tenant with `settings` unless it exists; true when created.
    async fn ensure_tenant(
        &self,
        id: &str,
        name: &str,
        settings: &LoginSettings,
        now: UnixTime,
    ) -> Result<bool, StoreError>;

    async fn tenant_settings(&self, tenant_id: &str) -> Result<Option<LoginSettings>, StoreError>;

    async fn save_tenant_settings(
        &self,
        tenant_id: &str,
        settings: &LoginSettings,
    ) -> Result<(), StoreError>;

    /// The tenant's settings with the revision they were read at, for a change built on them.
    async fn tenant_settings_revision(
        &self,
        tenant_id: &str,
    ) -> Result<Option<(LoginSettings, SettingsRevision)>, StoreError>;

    /// Saves `settings` only while the stored ones are still those of `read` (compare-and-set):
    /// false when someone changed them since, and nothing is saved.
    async fn replace_tenant_settings(
        &self,
        tenant_id: &str,
        settings: &LoginSettings,
        read: &SettingsRevision,
    ) -> Result<bool, StoreError>;
}
