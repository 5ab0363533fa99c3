//! WebAuthn ceremonies: stored server-side, taken once (a `DELETE … RETURNING` that one caller
//! wins), refused after their expiry.

use sqlx::Row;
use sqlx::any::AnyRow;
use twofold_core::UnixTime;
use twofold_core::webauthn::{Ceremony, CeremonyPurpose};

use super::SqlStore;
use crate::StoreError;

const COLUMNS: &str =
    "id, tenant_id, purpose, session_id, user_id, authenticator_id, state, created_at, expires_at";

fn ceremony(row: &AnyRow) -> Result<Ceremony, StoreError> {
    let purpose: String = row.try_get("purpose")?;
    Ok(Ceremony {
        id: row.try_get("id")?,
        tenant_id: row.try_get("tenant_id")?,
        purpose: CeremonyPurpose::parse(&purpose)
            .ok_or_else(|| StoreError::Corrupt("webauthn_ceremonies.purpose".to_owned()))?,
        session_id: row.try_get("session_id")?,
        user_id: row.try_get("user_id")?,
        authenticator_id: row.try_get("authenticator_id")?,
        state: row.try_get("state")?,
        created_at: UnixTime(row.try_get("created_at")?),
        expires_at: UnixTime(row.try_get("expires_at")?),
    })
}

impl SqlStore {
    /// Stores a ceremony, voiding any earlier one of the same session or authenticator: one live
    /// ceremony each.
    pub(super) async fn replace_ceremony_rows(&self, c: &Ceremony) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "DELETE FROM webauthn_ceremonies WHERE session_id = $1 OR authenticator_id = $2 \
             OR expires_at <= $3",
        )
        .bind(&c.session_id)
        .bind(&c.authenticator_id)
        .bind(c.created_at.0)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO webauthn_ceremonies (id, tenant_id, purpose, session_id, user_id, authenticator_id, state, \
             created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
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
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes the live ceremony of a session or of a pending authenticator; gone after this.
    pub(super) async fn take_ceremony_row(
        &self,
        session_id: Option<&str>,
        authenticator_id: Option<&str>,
        now: UnixTime,
    ) -> Result<Option<Ceremony>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM webauthn_ceremonies WHERE (session_id = $1 OR authenticator_id = $2) RETURNING {COLUMNS}"
        )))
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
