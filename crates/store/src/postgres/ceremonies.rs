//! WebAuthn ceremonies: stored server-side, taken once (a `DELETE … RETURNING` that one caller
//! wins), refused after their expiry.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;
use twofold_core::UnixTime;
use twofold_core::webauthn::{Ceremony, CeremonyPurpose};

use super::PgStore;
use super::rows::{corrupt, time};
use crate::{Ceremonies, StoreError};

fn ceremony(row: &PgRow) -> Result<Ceremony, StoreError> {
    let purpose: String = row.try_get("purpose")?;
    Ok(Ceremony {
        id: row.try_get("id")?,
        tenant_id: row.try_get("tenant_id")?,
        purpose: CeremonyPurpose::parse(&purpose)
            .ok_or_else(|| corrupt("webauthn_ceremonies.purpose"))?,
        session_id: row.try_get("session_id")?,
        user_id: row.try_get("user_id")?,
        authenticator_id: row.try_get("authenticator_id")?,
        state: row.try_get("state")?,
        created_at: time(row, "created_at")?,
        expires_at: time(row, "expires_at")?,
    })
}

#[async_trait]
impl Ceremonies for PgStore {
    /// One statement: any earlier ceremony of the same session or authenticator, and every
    /// expired one, goes as this one comes in.
    async fn replace_ceremony(&self, c: &Ceremony) -> Result<(), StoreError> {
        sqlx::query(
            "WITH voided AS (DELETE FROM webauthn_ceremonies \
                             WHERE session_id = $4 OR authenticator_id = $6 OR expires_at <= $8) \
             INSERT INTO webauthn_ceremonies (id, tenant_id, purpose, session_id, user_id, \
             authenticator_id, state, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&c.id)
        .bind(&c.tenant_id)
        .bind(c.purpose.as_str())
        .bind(&c.session_id)
        .bind(&c.user_id)
        .bind(&c.authenticator_id)
        .bind(&c.state)
        .bind(c.created_at.0)
        .bind(c.expires_at.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn take_ceremony(
        &self,
        session_id: Option<&str>,
        authenticator_id: Option<&str>,
        now: UnixTime,
    ) -> Result<Option<Ceremony>, StoreError> {
        let row = sqlx::query(
            "DELETE FROM webauthn_ceremonies WHERE session_id = $1 OR authenticator_id = $2 \
             RETURNING id, tenant_id, purpose, session_id, user_id, authenticator_id, state, \
             created_at, expires_at",
        )
        .bind(session_id)
        .bind(authenticator_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .as_ref()
            .map(ceremony)
            .transpose()?
            .filter(|c| !c.is_expired(now)))
    }
}
