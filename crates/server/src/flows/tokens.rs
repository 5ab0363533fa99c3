//! Bearer tokens: made from 256 random bits, stored only as keyed hashes.

use twofold_core::UnixTime;
use twofold_core::admin_token::AdminToken;
use twofold_core::secrets::{
    self, ADMIN_TOKEN_PREFIX, SESSION_TOKEN_PREFIX, SecretString, TokenHash,
};
use twofold_core::session::Session;

use crate::error::Error;
use crate::random;
use crate::state::Inner;

const ADMIN: &str = "admin-token";
const SESSION: &str = "session-token";

/// A new admin token, shown once: only its keyed hash is stored.
pub async fn create_admin_token(
    state: &Inner,
    tenant_id: &str,
    name: Option<String>,
    now: UnixTime,
) -> Result<(AdminToken, SecretString), Error> {
    let token = secrets::format_token(ADMIN_TOKEN_PREFIX, &random::bytes(state.random.as_ref())?);
    let record = AdminToken {
        id: random::new_id(state.random.as_ref())?,
        tenant_id: tenant_id.to_owned(),
        name,
        created_at: now,
        last_used_at: None,
    };
    state
        .store
        .insert_admin_token(&record, &state.hashing.hash(ADMIN, token.expose()))
        .await?;
    Ok((record, token))
}

/// The admin token presented, if it exists; its use is written down (at most once a minute).
pub async fn admin_token(
    state: &Inner,
    token: &SecretString,
    now: UnixTime,
) -> Result<Option<AdminToken>, Error> {
    let found = state
        .store
        .admin_token_by_hash(&state.hashing.hash(ADMIN, token.expose()))
        .await?;
    if let Some(found) = &found
        && found.use_is_news(now)
    {
        state.store.record_admin_token_use(&found.id, now).await?;
    }
    Ok(found)
}

pub fn new_session_token(state: &Inner) -> Result<(SecretString, TokenHash), Error> {
    let token = secrets::format_token(SESSION_TOKEN_PREFIX, &random::bytes(state.random.as_ref())?);
    let hash = session_token_hash(state, &token);
    Ok((token, hash))
}

pub fn session_token_hash(state: &Inner, token: &SecretString) -> TokenHash {
    state.hashing.hash(SESSION, token.expose())
}

/// The live session a token belongs to; expired sessions do not authenticate.
pub async fn session_of_token(
    state: &Inner,
    token: &SecretString,
    now: UnixTime,
) -> Result<Option<Session>, Error> {
    let session = state
        .store
        .session_by_token(&session_token_hash(state, token))
        .await?;
    Ok(session.filter(|s| !s.is_expired(now)))
}
