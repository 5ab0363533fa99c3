use async_trait::async_trait;
use rusqlite::Row;
use twofold_core::challenge::Channel;
use twofold_core::contacts::Contact;

use super::SqliteStore;
use super::rows::{all, corrupt, execute, time};
use crate::{Contacts, StoreError};

pub(super) fn contact(row: &Row<'_>) -> Result<Contact, StoreError> {
    let channel: String = row.get("channel")?;
    Ok(Contact {
        id: row.get("id")?,
        channel: Channel::parse(&channel).ok_or_else(|| corrupt("contacts.channel"))?,
        value: row.get("value")?,
        verified: row.get("verified")?,
        created_at: time(row, "created_at")?,
    })
}

#[async_trait]
impl Contacts for SqliteStore {
    async fn insert_contact(&self, user_id: &str, contact: &Contact) -> Result<(), StoreError> {
        let (user_id, c) = (user_id.to_owned(), contact.clone());
        self.write(move |conn| {
            execute(
                conn,
                "INSERT INTO contacts (id, user_id, channel, value, verified, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params![
                    c.id,
                    user_id,
                    c.channel.as_str(),
                    c.value,
                    c.verified,
                    c.created_at.0
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn contacts_of(&self, user_id: &str) -> Result<Vec<Contact>, StoreError> {
        let user_id = user_id.to_owned();
        self.read(move |conn| {
            all(
                conn,
                "SELECT id, channel, value, verified, created_at FROM contacts \
                 WHERE user_id = ?1 ORDER BY created_at, id",
                [user_id],
                contact,
            )
        })
        .await
    }

    async fn mark_contact_verified(&self, user_id: &str, id: &str) -> Result<bool, StoreError> {
        let (user_id, id) = (user_id.to_owned(), id.to_owned());
        self.write(move |conn| {
            Ok(execute(
                conn,
                "UPDATE contacts SET verified = 1 WHERE user_id = ?1 AND id = ?2",
                [user_id, id],
            )? == 1)
        })
        .await
    }

    async fn delete_contact(&self, user_id: &str, id: &str) -> Result<bool, StoreError> {
        let (user_id, id) = (user_id.to_owned(), id.to_owned());
        self.write(move |conn| {
            Ok(execute(
                conn,
                "DELETE FROM contacts WHERE user_id = ?1 AND id = ?2",
                [user_id, id],
            )? == 1)
        })
        .await
    }
}
