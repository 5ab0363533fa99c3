use crate::{EventQuery, NewEvent, StoreError, StoredEvent};
use async_trait::async_trait;

/// The audit log: appended, never changed.
#[async_trait]
pub trait Events: Send + Sync {
    async fn append_event(&self, event: &NewEvent) -> Result<(), StoreError>;

    async fn events(&self, query: &EventQuery) -> Result<Vec<StoredEvent>, StoreError>;
}
