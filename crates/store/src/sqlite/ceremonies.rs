//! WebAuthn ceremonies: stored server-side, taken once (a `DELETE … RETURNING` in the writer),
//! refused after their expiry.

use async_trait::async_trait;
use rusqlite::Row;
use twofold_core::UnixTime;
use twofold_core::webauthn::{Ceremony, CeremonyPurpose};

use super::SqliteStore;
use super::rows::{corrupt, execute, one, time};
use crate::{Ceremonies, StoreError};

fn ceremony(row: &Row<'_>) -> Result<Ceremony, StoreError> {
    let purpose: String = row.get("purpose")?;
    Ok(Ceremony {
        id: row.get("id")?,
        tenant_id: row.get("tenant_id")?,
        purpose: CeremonyPurpose::parse(&purpose)
            .ok_or_else(|| corrupt("webauthn_ceremonies.purpose"))?,
        session_id: row.get("session_id")?,
        user_id: row.get("user_id")?,
        authenticator_id: row.get("authenticator_id")?,
        state: row.get("state")?,
        created_at: time(row, "created_at")?,
        expires_at: time(row, "expires_at")?,
    })
}

#[async_trait]
impl Ceremonies for SqliteStore {
    /// One live ceremony per session and per authenticator; every new one sweeps out the expired.
    async fn replace_ceremony(&self, ceremony: &Ceremony) -> Result<(), StoreError> {
        let c = ceremony.clone();
        self.write(move |conn| {
            execute(
                conn,
                "DELETE FROM webauthn_ceremonies WHERE session_id = ?1 OR authenticator_id = ?2 \
                 OR expires_at <= ?3",
                (&c.session_id, &c.authenticator_id, c.created_at.0),
            )?;
            execute(
                conn,
                "INSERT INTO webauthn_ceremonies (id, tenant_id, purpose, session_id, user_id, \
                 authenticator_id, state, created_at, expires_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                rusqlite::params![
                    c.id,
                    c.tenant_id,
                    c.purpose.as_str(),
                    c.session_id,
                    c.user_id,
                    c.authenticator_id,
                    c.state,
                    c.created_at.0,
                    c.expires_at.0,
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn take_ceremony(
        &self,
        session_id: Option<&str>,
        authenticator_id: Option<&str>,
        now: UnixTime,
    ) -> Result<Option<Ceremony>, StoreError> {
        let session_id = session_id.map(str::to_owned);
        let authenticator_id = authenticator_id.map(str::to_owned);
        let taken = self
            .write(move |conn| {
                one(
                    conn,
                    "DELETE FROM webauthn_ceremonies WHERE (session_id = ?1 OR authenticator_id = ?2) \
                     RETURNING id, tenant_id, purpose, session_id, user_id, authenticator_id, state, \
                     created_at, expires_at",
                    (session_id, authenticator_id),
                    ceremony,
                )
            })
            .await?;
        Ok(taken.filter(|c| !c.is_expired(now)))
    }
}
