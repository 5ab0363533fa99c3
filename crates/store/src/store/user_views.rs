use crate::StoreError;
use async_trait::async_trait;
use twofold_core::UnixTime;
use twofold_core::contacts::Contact;
use twofold_core::groups::Group;

/// What a session's view reads about its user beyond the user's row: the MFA policy their groups
/// and a prompt-mode skip add, and the contacts a code may go to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserView {
    /// In name order, as [`Groups::groups_of`](crate::Groups::groups_of).
    pub groups: Vec<Group>,
    pub setup_skipped_until: Option<UnixTime>,
    /// Oldest first, as [`Contacts::contacts_of`](crate::Contacts::contacts_of).
    pub contacts: Vec<Contact>,
}

/// The reads of a session's view in one call: a sign-in step answers with its view, so these are
/// on the hot path of every check, where one hand-off (SQLite) or round trip (PostgreSQL) instead
/// of three is measured time (docs/benchmarks.md).
#[async_trait]
pub trait UserViews: Send + Sync {
    /// What [`Groups::groups_of`](crate::Groups::groups_of),
    /// [`SetupSkips::mfa_setup_skipped_until`](crate::SetupSkips::mfa_setup_skipped_until) and
    /// [`Contacts::contacts_of`](crate::Contacts::contacts_of) answer, read together.
    async fn user_view(&self, user_id: &str) -> Result<UserView, StoreError>;
}
