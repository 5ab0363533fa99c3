use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;
use twofold_core::challenge::Channel;
use twofold_core::contacts::Contact;

use super::PgStore;
use super::rows::{corrupt, flag, time};
use crate::{Contacts, StoreError};

pub(super) fn contact(row: &PgRow) -> Result<Contact, StoreError> {
    let channel: String = row.try_get("channel")?;
    Ok(Contact {
        id: row.try_get("id")?,
        channel: Channel::parse(&channel).ok_or_else(|| corrupt("contacts.channel"))?,
        value: row.try_get("value")?,
        verified: row.try_get::<i64, _>("verified")? != 0,
        created_at: time(row, "created_at")?,
    })
}

#[async_trait]
impl Contacts for PgStore {
    async fn insert_contact(&self, user_id: &str, c: &Contact) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO contacts (id, user_id, channel, value, verified, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&c.id)
        .bind(user_id)
        .bind(c.channel.as_str())
        .bind(&c.value)
        .bind(flag(c.verified))
        .bind(c.created_at.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn contacts_of(&self, user_id: &str) -> Result<Vec<Contact>, StoreError> {
        let found = sqlx::query(
            "SELECT id, channel, value, verified, created_at FROM contacts \
             WHERE user_id = $1 ORDER BY created_at, id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        found.iter().map(contact).collect()
    }

    async fn mark_contact_verified(&self, user_id: &str, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE contacts SET verified = 1 WHERE user_id = $1 AND id = $2")
            .bind(user_id)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_contact(&self, user_id: &str, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM contacts WHERE user_id = $1 AND id = $2")
            .bind(user_id)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
