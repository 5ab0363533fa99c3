use crate::StoreError;
use async_trait::async_trait;
use twofold_core::app::App;

/// Applications (OAuth clients) of a tenant.
#[async_trait]
pub trait Apps: Send + Sync {
    async fn insert_app(&self, app: &App) -> Result<(), StoreError>;

    async fn app(&self, tenant_id: &str, client_id: &str) -> Result<Option<App>, StoreError>;

    async fn apps(&self, tenant_id: &str) -> Result<Vec<App>, StoreError>;

    async fn update_app(&self, app: &App) -> Result<bool, StoreError>;

    async fn delete_app(&self, tenant_id: &str, client_id: &str) -> Result<bool, StoreError>;
}
