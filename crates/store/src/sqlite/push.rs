//! Push: enrolment codes taken once, exchanges with one pending per user (a partial unique
//! index), refusals read back for fatigue, and pauses noted once.

use async_trait::async_trait;
use rusqlite::{Connection, Row};
use twofold_core::UnixTime;
use twofold_core::push::{PushExchange, PushState};
use twofold_core::secrets::TokenHash;

use super::SqliteStore;
use super::rows::{self, all, corrupt, execute, hash, one, time};
use crate::store::{state_of, state_word, user_verified};
use crate::{PushDevice, PushDevices, PushEnrolment, PushStart, StoreError, StoredPushExchange};

const EXCHANGE_COLUMNS: &str = "id, tenant_id, user_id, authenticator_id, session_id, number, \
     state, user_verified, app, client_ip, created_at, expires_at";

fn exchange(row: &Row<'_>) -> Result<StoredPushExchange, StoreError> {
    let word: String = row.get("state")?;
    let verified: i64 = row.get("user_verified")?;
    let number: i64 = row.get("number")?;
    Ok(StoredPushExchange {
        exchange: PushExchange {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            authenticator_id: row.get("authenticator_id")?,
            session_id: row.get("session_id")?,
            number: u8::try_from(number).map_err(|_| corrupt("push_exchanges.number"))?,
            created_at: time(row, "created_at")?,
            expires_at: time(row, "expires_at")?,
            state: state_of(&word, verified != 0).ok_or_else(|| corrupt("push_exchanges.state"))?,
        },
        tenant_id: row.get("tenant_id")?,
        app: row.get("app")?,
        client_ip: row.get("client_ip")?,
    })
}

fn enrolment(row: &Row<'_>) -> Result<PushEnrolment, StoreError> {
    Ok(PushEnrolment {
        code_hash: hash(row, "code_hash")?,
        tenant_id: row.get("tenant_id")?,
        user_id: row.get("user_id")?,
        authenticator_id: row.get("authenticator_id")?,
        expires_at: time(row, "expires_at")?,
    })
}

fn pending_of(conn: &Connection, user_id: &str) -> Result<Option<StoredPushExchange>, StoreError> {
    one(
        conn,
        &format!(
            "SELECT {EXCHANGE_COLUMNS} FROM push_exchanges WHERE user_id = ?1 AND state = 'pending'"
        ),
        [user_id],
        exchange,
    )
}

#[async_trait]
impl PushDevices for SqliteStore {
    async fn insert_push_enrolment(&self, e: &PushEnrolment) -> Result<(), StoreError> {
        let e = e.clone();
        self.write(move |conn| {
            execute(
                conn,
                "INSERT INTO push_enrolments (code_hash, tenant_id, user_id, authenticator_id, \
                 expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![
                    e.code_hash.0,
                    e.tenant_id,
                    e.user_id,
                    e.authenticator_id,
                    e.expires_at.0
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn take_push_enrolment(
        &self,
        code_hash: &TokenHash,
        now: UnixTime,
    ) -> Result<Option<PushEnrolment>, StoreError> {
        let code_hash = code_hash.0;
        self.write(move |conn| {
            let taken = one(
                conn,
                "DELETE FROM push_enrolments WHERE code_hash = ?1 RETURNING code_hash, tenant_id, \
                 user_id, authenticator_id, expires_at",
                [code_hash],
                enrolment,
            )?;
            Ok(taken.filter(|e| e.expires_at > now))
        })
        .await
    }

    async fn attach_push_device(
        &self,
        id: &str,
        name: &str,
        params: &serde_json::Value,
        sealed_token: Option<&[u8]>,
    ) -> Result<bool, StoreError> {
        let (id, name, params) = (id.to_owned(), name.to_owned(), params.to_string());
        let sealed = sealed_token.map(<[u8]>::to_vec);
        self.write(move |conn| {
            Ok(execute(
                conn,
                "UPDATE authenticators SET name = ?1, params = ?2, sealed_secret = ?3 \
                 WHERE id = ?4 AND factor = 'push' AND state = 'pending'",
                rusqlite::params![name, params, sealed, id],
            )? == 1)
        })
        .await
    }

    async fn push_device(&self, id: &str) -> Result<Option<PushDevice>, StoreError> {
        let id = id.to_owned();
        self.read(move |conn| {
            one(
                conn,
                "SELECT a.id, a.user_id, a.factor, a.name, a.state, a.sealed_secret, a.params, \
                 a.last_step, a.created_at, a.last_used_at, u.tenant_id FROM authenticators a \
                 JOIN users u ON u.id = a.user_id WHERE a.id = ?1 AND a.factor = 'push'",
                [id],
                |row| {
                    Ok(PushDevice {
                        authenticator: rows::authenticator(row)?,
                        tenant_id: row.get("tenant_id")?,
                    })
                },
            )
        })
        .await
    }

    async fn start_push_exchange(
        &self,
        stored: &StoredPushExchange,
        now: UnixTime,
    ) -> Result<PushStart, StoreError> {
        let s = stored.clone();
        self.write(move |conn| {
            let x = &s.exchange;
            execute(
                conn,
                "UPDATE push_exchanges SET state = 'expired' \
                 WHERE user_id = ?1 AND state = 'pending' AND expires_at <= ?2",
                rusqlite::params![x.user_id, now.0],
            )?;
            if let Some(waiting) = pending_of(conn, &x.user_id)? {
                return Ok(PushStart::Waiting(waiting));
            }
            execute(
                conn,
                &format!(
                    "INSERT INTO push_exchanges ({EXCHANGE_COLUMNS}) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
                ),
                rusqlite::params![
                    x.id,
                    s.tenant_id,
                    x.user_id,
                    x.authenticator_id,
                    x.session_id,
                    i64::from(x.number),
                    state_word(x.state),
                    i64::from(user_verified(x.state)),
                    s.app,
                    s.client_ip,
                    x.created_at.0,
                    x.expires_at.0,
                ],
            )?;
            Ok(PushStart::Started)
        })
        .await
    }

    async fn push_exchange(&self, id: &str) -> Result<Option<StoredPushExchange>, StoreError> {
        let id = id.to_owned();
        self.read(move |conn| {
            one(
                conn,
                &format!("SELECT {EXCHANGE_COLUMNS} FROM push_exchanges WHERE id = ?1"),
                [id],
                exchange,
            )
        })
        .await
    }

    async fn pending_push_exchanges(
        &self,
        authenticator_id: &str,
        now: UnixTime,
    ) -> Result<Vec<StoredPushExchange>, StoreError> {
        let id = authenticator_id.to_owned();
        self.read(move |conn| {
            all(
                conn,
                &format!(
                    "SELECT {EXCHANGE_COLUMNS} FROM push_exchanges WHERE authenticator_id = ?1 \
                     AND state = 'pending' AND expires_at > ?2 ORDER BY created_at, id"
                ),
                rusqlite::params![id, now.0],
                exchange,
            )
        })
        .await
    }

    async fn answer_push_exchange(
        &self,
        id: &str,
        state: PushState,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.write(move |conn| {
            Ok(execute(
                conn,
                "UPDATE push_exchanges SET state = ?1, user_verified = ?2, answered_at = ?3 \
                 WHERE id = ?4 AND state = 'pending' AND expires_at > ?3",
                rusqlite::params![
                    state_word(state),
                    i64::from(user_verified(state)),
                    now.0,
                    id
                ],
            )? == 1)
        })
        .await
    }

    async fn push_refusals(
        &self,
        user_id: &str,
        since: UnixTime,
        now: UnixTime,
    ) -> Result<Vec<UnixTime>, StoreError> {
        let user_id = user_id.to_owned();
        self.read(move |conn| {
            all(
                conn,
                "SELECT answered_at AS at FROM push_exchanges WHERE user_id = ?1 \
                 AND state IN ('denied', 'wrong_number') AND answered_at > ?2 \
                 UNION ALL SELECT expires_at AS at FROM push_exchanges WHERE user_id = ?1 \
                 AND state IN ('pending', 'expired') AND expires_at <= ?3 AND expires_at > ?2",
                rusqlite::params![user_id, since.0, now.0],
                |row| time(row, "at"),
            )
        })
        .await
    }

    async fn note_push_pause(&self, user_id: &str, until: UnixTime) -> Result<bool, StoreError> {
        let user_id = user_id.to_owned();
        self.write(move |conn| {
            Ok(execute(
                conn,
                "INSERT INTO push_pauses (user_id, paused_until) VALUES (?1, ?2) \
                 ON CONFLICT (user_id) DO UPDATE SET paused_until = excluded.paused_until \
                 WHERE push_pauses.paused_until < excluded.paused_until",
                rusqlite::params![user_id, until.0],
            )? == 1)
        })
        .await
    }
}
