use crate::StoreError;
use async_trait::async_trait;
use twofold_core::UnixTime;
use twofold_core::groups::Group;

/// Groups of a tenant and who is in them.
#[async_trait]
pub trait Groups: Send + Sync {
    /// Fails with `Conflict` when the name is taken in the tenant.
    async fn insert_group(&self, group: &Group) -> Result<(), StoreError>;

    async fn group(&self, tenant_id: &str, id: &str) -> Result<Option<Group>, StoreError>;

    /// A page of the tenant's groups in name order, strictly after the name `after`.
    async fn groups(
        &self,
        tenant_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Group>, StoreError>;

    /// Saves name and MFA policy; fails with `Conflict` when the new name is taken.
    async fn update_group(&self, group: &Group) -> Result<bool, StoreError>;

    /// Deletes the group and its memberships.
    async fn delete_group(&self, tenant_id: &str, id: &str) -> Result<bool, StoreError>;

    /// Makes the user a member; false when they were already one, or when the group and the user
    /// are not of the same tenant (nothing is written then).
    async fn add_group_member(
        &self,
        group_id: &str,
        user_id: &str,
        now: UnixTime,
    ) -> Result<bool, StoreError>;

    /// False when the user was not a member.
    async fn remove_group_member(&self, group_id: &str, user_id: &str) -> Result<bool, StoreError>;

    /// The groups the user is a member of, in name order.
    async fn groups_of(&self, user_id: &str) -> Result<Vec<Group>, StoreError>;
}
