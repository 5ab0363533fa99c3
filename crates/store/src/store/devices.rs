use crate::StoreError;
use async_trait::async_trait;
use twofold_core::UnixTime;
use twofold_core::device::Device;
use twofold_core::secrets::TokenHash;

/// Remembered devices and the networks a user signed in from.
#[async_trait]
pub trait Devices: Send + Sync {
    async fn insert_device(&self, device: &Device, token: &TokenHash) -> Result<(), StoreError>;

    async fn device_by_token(&self, token: &TokenHash) -> Result<Option<Device>, StoreError>;

    async fn devices_of(&self, user_id: &str) -> Result<Vec<Device>, StoreError>;

    async fn update_device(&self, device: &Device) -> Result<bool, StoreError>;

    async fn delete_device(&self, user_id: &str, id: &str) -> Result<bool, StoreError>;

    /// Remembers that a satisfied sign-in of the user came from `network`.
    async fn record_network(
        &self,
        user_id: &str,
        network: &str,
        now: UnixTime,
    ) -> Result<(), StoreError>;

    async fn knows_network(&self, user_id: &str, network: &str) -> Result<bool, StoreError>;
}
