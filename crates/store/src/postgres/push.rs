//! Push: enrolment codes taken once, exchanges with one pending per user (a partial unique
//! index), refusals read back for fatigue, and pauses noted once.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::postgres::PgRow;
use twofold_core::UnixTime;
use twofold_core::push::{PushExchange, PushState};
use twofold_core::secrets::TokenHash;

use super::PgStore;
use super::rows::{self, corrupt, time, token_hash};
use crate::store::{state_of, state_word, user_verified};
use crate::{PushDevice, PushDevices, PushEnrolment, PushStart, StoreError, StoredPushExchange};

macro_rules! exchange_columns {
    () => {
        "id, tenant_id, user_id, authenticator_id, session_id, number, state, user_verified, \
         app, client_ip, created_at, expires_at"
    };
}

fn exchange(row: &PgRow) -> Result<StoredPushExchange, StoreError> {
    let word: String = row.try_get("state")?;
    let verified: i64 = row.try_get("user_verified")?;
    let number: i64 = row.try_get("number")?;
    Ok(StoredPushExchange {
        exchange: PushExchange {
            id: row.try_get("id")?,
            user_id: row.try_get("user_id")?,
            authenticator_id: row.try_get("authenticator_id")?,
            session_id: row.try_get("session_id")?,
            number: u8::try_from(number).map_err(|_| corrupt("push_exchanges.number"))?,
            created_at: time(row, "created_at")?,
            expires_at: time(row, "expires_at")?,
            state: state_of(&word, verified != 0).ok_or_else(|| corrupt("push_exchanges.state"))?,
        },
        tenant_id: row.try_get("tenant_id")?,
        app: row.try_get("app")?,
        client_ip: row.try_get("client_ip")?,
    })
}

/// A concurrent start may take the pending slot and have it answered before this one reads it:
/// then this one tries again, a bounded number of times.
const START_TRIES: usize = 3;

#[async_trait]
impl PushDevices for PgStore {
    async fn insert_push_enrolment(&self, e: &PushEnrolment) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO push_enrolments (code_hash, tenant_id, user_id, authenticator_id, \
             expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(e.code_hash.0.as_slice())
        .bind(&e.tenant_id)
        .bind(&e.user_id)
        .bind(&e.authenticator_id)
        .bind(e.expires_at.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn take_push_enrolment(
        &self,
        code_hash: &TokenHash,
        now: UnixTime,
    ) -> Result<Option<PushEnrolment>, StoreError> {
        let row = sqlx::query(
            "DELETE FROM push_enrolments WHERE code_hash = $1 RETURNING code_hash, tenant_id, \
             user_id, authenticator_id, expires_at",
        )
        .bind(code_hash.0.as_slice())
        .fetch_optional(&self.pool)
        .await?;
        let taken = row
            .map(|row| -> Result<PushEnrolment, StoreError> {
                Ok(PushEnrolment {
                    code_hash: token_hash(&row, "code_hash")?,
                    tenant_id: row.try_get("tenant_id")?,
                    user_id: row.try_get("user_id")?,
                    authenticator_id: row.try_get("authenticator_id")?,
                    expires_at: time(&row, "expires_at")?,
                })
            })
            .transpose()?;
        Ok(taken.filter(|e| e.expires_at > now))
    }

    async fn attach_push_device(
        &self,
        id: &str,
        name: &str,
        params: &serde_json::Value,
        sealed_token: Option<&[u8]>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE authenticators SET name = $1, params = $2, sealed_secret = $3 \
             WHERE id = $4 AND factor = 'push' AND state = 'pending'",
        )
        .bind(name)
        .bind(params.to_string())
        .bind(sealed_token)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn push_device(&self, id: &str) -> Result<Option<PushDevice>, StoreError> {
        let row = sqlx::query(
            "SELECT a.id, a.user_id, a.factor, a.name, a.state, a.sealed_secret, a.params, \
             a.last_step, a.created_at, a.last_used_at, u.tenant_id FROM authenticators a \
             JOIN users u ON u.id = a.user_id WHERE a.id = $1 AND a.factor = 'push'",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(PushDevice {
                authenticator: rows::authenticator(&row)?,
                tenant_id: row.try_get("tenant_id")?,
            })
        })
        .transpose()
    }

    async fn start_push_exchange(
        &self,
        s: &StoredPushExchange,
        now: UnixTime,
    ) -> Result<PushStart, StoreError> {
        let x = &s.exchange;
        for _ in 0..START_TRIES {
            let mut tx = self.pool.begin().await?;
            sqlx::query(
                "UPDATE push_exchanges SET state = 'expired' \
                 WHERE user_id = $1 AND state = 'pending' AND expires_at <= $2",
            )
            .bind(&x.user_id)
            .bind(now.0)
            .execute(&mut *tx)
            .await?;
            let inserted = sqlx::query(concat!(
                "INSERT INTO push_exchanges (",
                exchange_columns!(),
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                 ON CONFLICT (user_id) WHERE state = 'pending' DO NOTHING"
            ))
            .bind(&x.id)
            .bind(&s.tenant_id)
            .bind(&x.user_id)
            .bind(&x.authenticator_id)
            .bind(&x.session_id)
            .bind(i64::from(x.number))
            .bind(state_word(x.state))
            .bind(i64::from(user_verified(x.state)))
            .bind(&s.app)
            .bind(&s.client_ip)
            .bind(x.created_at.0)
            .bind(x.expires_at.0)
            .execute(&mut *tx)
            .await?;
            if inserted.rows_affected() == 1 {
                tx.commit().await?;
                return Ok(PushStart::Started);
            }
            let waiting = sqlx::query(concat!(
                "SELECT ",
                exchange_columns!(),
                " FROM push_exchanges WHERE user_id = $1 AND state = 'pending'"
            ))
            .bind(&x.user_id)
            .fetch_optional(&mut *tx)
            .await?;
            tx.commit().await?;
            if let Some(row) = waiting {
                return Ok(PushStart::Waiting(exchange(&row)?));
            }
        }
        Err(StoreError::Unavailable(
            "push exchange: the pending slot kept changing".to_owned(),
        ))
    }

    async fn push_exchange(&self, id: &str) -> Result<Option<StoredPushExchange>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            exchange_columns!(),
            " FROM push_exchanges WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(exchange).transpose()
    }

    async fn pending_push_exchanges(
        &self,
        authenticator_id: &str,
        now: UnixTime,
    ) -> Result<Vec<StoredPushExchange>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            exchange_columns!(),
            " FROM push_exchanges WHERE authenticator_id = $1 \
             AND state = 'pending' AND expires_at > $2 ORDER BY created_at, id"
        ))
        .bind(authenticator_id)
        .bind(now.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(exchange).collect()
    }

    async fn answer_push_exchange(
        &self,
        id: &str,
        state: PushState,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE push_exchanges SET state = $1, user_verified = $2, answered_at = $3 \
             WHERE id = $4 AND state = 'pending' AND expires_at > $3",
        )
        .bind(state_word(state))
        .bind(i64::from(user_verified(state)))
        .bind(now.0)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn push_refusals(
        &self,
        user_id: &str,
        since: UnixTime,
        now: UnixTime,
    ) -> Result<Vec<UnixTime>, StoreError> {
        let rows = sqlx::query(
            "SELECT answered_at AS at FROM push_exchanges WHERE user_id = $1 \
             AND state IN ('denied', 'wrong_number') AND answered_at > $2 \
             UNION ALL SELECT expires_at AS at FROM push_exchanges WHERE user_id = $1 \
             AND state IN ('pending', 'expired') AND expires_at <= $3 AND expires_at > $2",
        )
        .bind(user_id)
        .bind(since.0)
        .bind(now.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| time(row, "at")).collect()
    }

    async fn note_push_pause(&self, user_id: &str, until: UnixTime) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO push_pauses (user_id, paused_until) VALUES ($1, $2) \
             ON CONFLICT (user_id) DO UPDATE SET paused_until = excluded.paused_until \
             WHERE push_pauses.paused_until < excluded.paused_until",
        )
        .bind(user_id)
        .bind(until.0)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
