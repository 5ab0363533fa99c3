//! Bearer tokens: made from 256 random bits, stored only as keyed hashes.

use twofold_core::UnixTime;
use twofold_core::secrets::{
    self, ADMIN_TOKEN_PREFIX, SESSION_TOKEN_PREFIX, SecretString, TokenHash,
};
use twofold_core::session::Session;

use crate::error::Error;
use crate::random;
use crate::state::Inner;

const ADMIN: &str = "admin-token";
const SESSION: &str = "session-token";

pub async fn create_admin_token(
    state: &Inner,
    tenant_id: &str,
    now: UnixTime,
) -> Result<SecretString, Error> {
    let token = secrets::format_token(ADMIN_TOKEN_PREFIX, &random::bytes(state.random.as_ref())?);
    state
        .store
        .insert_admin_token(tenant_id, &state.hashing.hash(ADMIN, token.expose()), now)
        .await?;
    Ok(token)
}

pub async fn admin_tenant(state: &Inner, token: &SecretString) -> Result<Option<String>, Error> {
    Ok(state
        .store
        .admin_token_tenant(&state.hashing.hash(ADMIN, token.expose()))
        .await?)
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
