use crate::{StoreError, UserQuery};
use async_trait::async_trait;
use twofold_core::user::User;

/// Users and their profiles.
#[async_trait]
pub trait Users: Send + Sync {
    /// Fails with `Conflict` when the username is taken in the tenant.
    async fn insert_user(&self, user: &User) -> Result<(), StoreError>;

    async fn user(&self, tenant_id: &str, id: &str) -> Result<Option<User>, StoreError>;

    /// By username, or by email once that email is verified; a username wins a tie.
    async fn user_by_login_name(
        &self,
        tenant_id: &str,
        login_name: &str,
    ) -> Result<Option<User>, StoreError>;

    /// A page of the tenant's users (see [`UserQuery`]).
    async fn users(&self, query: &UserQuery) -> Result<Vec<User>, StoreError>;

    /// Saves profile, password and MFA fields (not the lockout counters, which only move atomically).
    async fn update_user(&self, user: &User) -> Result<bool, StoreError>;

    /// Deletes the user with everything that hangs off it, sessions included.
    async fn delete_user(&self, tenant_id: &str, id: &str) -> Result<bool, StoreError>;
}
