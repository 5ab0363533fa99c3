use crate::StoreError;
use async_trait::async_trait;
use twofold_core::contacts::Contact;

/// A user's further email addresses and phone numbers (the primary ones are on the user).
#[async_trait]
pub trait Contacts: Send + Sync {
    /// Fails with `Conflict` when the user has this value on this channel already.
    async fn insert_contact(&self, user_id: &str, contact: &Contact) -> Result<(), StoreError>;

    /// Oldest first.
    async fn contacts_of(&self, user_id: &str) -> Result<Vec<Contact>, StoreError>;

    /// False when the user has no such contact.
    async fn mark_contact_verified(&self, user_id: &str, id: &str) -> Result<bool, StoreError>;

    async fn delete_contact(&self, user_id: &str, id: &str) -> Result<bool, StoreError>;
}
