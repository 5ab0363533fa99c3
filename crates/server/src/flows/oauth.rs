//! The token endpoint's use cases: client authentication, the one-time code exchange, rotating
//! refresh tokens, and what userinfo may tell. Every path checks again that the grant is live and
//! its user may still sign in; a replayed code or refresh token revokes the whole grant.

use serde_json::{Map, Value, json};
use twofold_core::app::App;
use twofold_core::claims::{self, Issued};
use twofold_core::event::EventType;
use twofold_core::grant::{self, Grant, Redemption, Rotation};
use twofold_core::secrets::{
    self, AUTHORIZATION_CODE_PREFIX, REFRESH_TOKEN_PREFIX, SecretString, TokenHash,
};
use twofold_core::user::User;

use super::jwt;
use super::{Ctx, apps, events, precheck};
use crate::error::{Error, OAuthError};
use crate::random;
use crate::state::Inner;

const REFRESH: &str = "refresh-token";

/// How the client identified itself.
#[derive(Default)]
pub struct ClientCredentials {
    pub client_id: Option<String>,
    pub secret: Option<SecretString>,
}

pub enum GrantRequest {
    AuthorizationCode {
        code: SecretString,
        redirect_uri: Option<String>,
        code_verifier: Option<SecretString>,
    },
    RefreshToken {
        refresh_token: SecretString,
    },
}

pub struct Tokens {
    pub access_token: String,
    pub id_token: String,
    pub refresh_token: SecretString,
    pub expires_in: u64,
    pub scope: String,
}

fn oauth(error: OAuthError, description: &str) -> Error {
    Error::OAuth {
        error,
        description: description.to_owned(),
    }
}

/// A confidential client proves its secret (compared as keyed hashes, in constant time); a public
/// client has none and relies on PKCE.
pub async fn authenticate_client(
    state: &Inner,
    ctx: &Ctx,
    credentials: &ClientCredentials,
) -> Result<App, Error> {
    let unknown = || oauth(OAuthError::InvalidClient, "client authentication failed");
    let client_id = credentials
        .client_id
        .as_deref()
        .filter(|id| !id.is_empty() && id.len() <= 256)
        .ok_or_else(unknown)?;
    let app = state
        .store
        .app(&ctx.tenant_id, client_id)
        .await?
        .ok_or_else(unknown)?;
    let proven = match (&app.secret_hash, &credentials.secret) {
        (None, None) => app.public,
        (Some(stored), Some(secret)) => stored.matches(&apps::secret_hash(state, secret)),
        _ => false,
    };
    if !proven {
        return Err(unknown());
    }
    Ok(app)
}

pub async fn token(
    state: &Inner,
    ctx: &Ctx,
    app: &App,
    request: GrantRequest,
) -> Result<Tokens, Error> {
    match request {
        GrantRequest::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier,
        } => exchange_code(state, ctx, app, &code, redirect_uri, code_verifier).await,
        GrantRequest::RefreshToken { refresh_token } => {
            refresh(state, ctx, app, &refresh_token).await
        }
    }
}

async fn exchange_code(
    state: &Inner,
    ctx: &Ctx,
    app: &App,
    code: &SecretString,
    redirect_uri: Option<String>,
    verifier: Option<SecretString>,
) -> Result<Tokens, Error> {
    let invalid = |why: &str| oauth(OAuthError::InvalidGrant, why);
    if !secrets::has_token_shape(code.expose(), AUTHORIZATION_CODE_PREFIX) {
        return Err(invalid("the code is unknown, expired or already used"));
    }
    let grant = match state
        .store
        .redeem_code(&precheck::code_hash(state, code.expose()), ctx.now)
        .await?
    {
        Redemption::Redeemed(grant) => *grant,
        Redemption::Invalid => return Err(invalid("the code is unknown, expired or already used")),
        Redemption::Replayed { grant_id } => {
            revoke(state, ctx, &grant_id, "code_replayed").await?;
            return Err(invalid("the code is unknown, expired or already used"));
        }
    };
    if grant.client_id != app.client_id {
        revoke(state, ctx, &grant.id, "code_of_another_client").await?;
        return Err(invalid("the code was issued to another client"));
    }
    if redirect_uri.as_deref() != Some(grant.redirect_uri.as_str()) {
        revoke(state, ctx, &grant.id, "redirect_uri_mismatch").await?;
        return Err(invalid(
            "redirect_uri must be the one of the authorization request",
        ));
    }
    let pkce_holds = match (&grant.code_challenge, &verifier) {
        (Some(challenge), Some(verifier)) => grant::pkce_matches(verifier.expose(), challenge),
        (None, None) => true,
        // A verifier where none was asked for is a downgrade attempt, and the reverse a theft.
        _ => false,
    };
    if !pkce_holds {
        revoke(state, ctx, &grant.id, "pkce_failed").await?;
        return Err(invalid("code_verifier does not match the code_challenge"));
    }
    let live_session = state
        .store
        .session(&grant.session_id)
        .await?
        .is_some_and(|(s, _)| !s.is_expired(ctx.now));
    if !live_session {
        revoke(state, ctx, &grant.id, "session_ended").await?;
        return Err(invalid("the sign-in this code came from has ended"));
    }
    let user = live_user(state, ctx, &grant).await?;
    issue(state, ctx, app, &grant, &user, "authorization_code").await
}

async fn refresh(
    state: &Inner,
    ctx: &Ctx,
    app: &App,
    token: &SecretString,
) -> Result<Tokens, Error> {
    let invalid = |why: &str| oauth(OAuthError::InvalidGrant, why);
    if !secrets::has_token_shape(token.expose(), REFRESH_TOKEN_PREFIX) {
        return Err(invalid("the refresh token is unknown, expired or revoked"));
    }
    let grant_id = match state
        .store
        .rotate_refresh_token(&refresh_hash(state, token), ctx.now)
        .await?
    {
        Rotation::Rotated { grant_id } => grant_id,
        Rotation::Invalid => {
            return Err(invalid("the refresh token is unknown, expired or revoked"));
        }
        Rotation::Reused { grant_id } => {
            revoke(state, ctx, &grant_id, "refresh_token_reused").await?;
            return Err(invalid("the refresh token is unknown, expired or revoked"));
        }
    };
    let grant = state
        .store
        .grant(&grant_id)
        .await?
        .filter(|g| !g.is_revoked())
        .ok_or_else(|| invalid("the refresh token is unknown, expired or revoked"))?;
    if grant.client_id != app.client_id {
        revoke(state, ctx, &grant.id, "refresh_token_of_another_client").await?;
        return Err(invalid("the refresh token was issued to another client"));
    }
    let user = live_user(state, ctx, &grant).await?;
    issue(state, ctx, app, &grant, &user, "refresh_token").await
}

/// The grant's user for a refresh: `invalid_grant` unless they still exist and are not locked.
async fn live_user(state: &Inner, ctx: &Ctx, grant: &Grant) -> Result<User, Error> {
    grant_user(state, ctx, grant)
        .await?
        .map_err(|why| oauth(OAuthError::InvalidGrant, why))
}

/// The grant's user, or why their tokens no longer count: gone, or locked out.
async fn grant_user(
    state: &Inner,
    ctx: &Ctx,
    grant: &Grant,
) -> Result<Result<User, &'static str>, Error> {
    Ok(
        match state.store.user(&grant.tenant_id, &grant.user_id).await? {
            None => Err("the user no longer exists"),
            Some(user) if user.lock_at(ctx.now).is_some() => Err("the user is locked out"),
            Some(user) => Ok(user),
        },
    )
}

async fn revoke(state: &Inner, ctx: &Ctx, grant_id: &str, reason: &str) -> Result<(), Error> {
    if state.store.revoke_grant(grant_id, ctx.now).await? {
        let user_id = state.store.grant(grant_id).await?.map(|g| g.user_id);
        let detail = json!({"grant_id": grant_id, "reason": reason});
        events::record(
            state,
            ctx,
            EventType::GrantRevoked,
            user_id.as_deref(),
            detail,
        )
        .await?;
    }
    Ok(())
}

fn refresh_hash(state: &Inner, token: &SecretString) -> TokenHash {
    state.hashing.hash(REFRESH, token.expose())
}

async fn issue(
    state: &Inner,
    ctx: &Ctx,
    app: &App,
    grant: &Grant,
    user: &User,
    grant_type: &str,
) -> Result<Tokens, Error> {
    let settings = state.settings(&ctx.tenant_id).await?;
    let policy = &settings.oidc;
    let auth = &grant.authentication;
    let issued = Issued {
        issuer: state.issuer(),
        now: ctx.now,
        policy,
    };
    let jti = random::new_id(state.random.as_ref())?;
    let access = claims::access_token(&issued, grant, &jti);
    let id = claims::id_token(&issued, grant, user);

    let refresh_token =
        secrets::format_token(REFRESH_TOKEN_PREFIX, &random::bytes(state.random.as_ref())?);
    state
        .store
        .insert_refresh_token(
            &refresh_hash(state, &refresh_token),
            &grant.id,
            ctx.now,
            grant.refresh_tokens_end(policy),
        )
        .await?;
    let signer = jwt::Signer::active(state, &ctx.tenant_id, ctx.now).await?;
    let tokens = Tokens {
        access_token: signer.sign(jwt::ACCESS_TOKEN_TYP, &access)?,
        id_token: signer.sign("JWT", &id)?,
        refresh_token,
        expires_in: policy.access_token_lifetime,
        scope: grant.scope.join(" "),
    };
    let detail = json!({
        "grant_id": grant.id,
        "client_id": app.client_id,
        "grant_type": grant_type,
        "amr": auth.amr,
        "acr": auth.acr,
    });
    events::record(state, ctx, EventType::TokensIssued, Some(&user.id), detail).await?;
    Ok(tokens)
}

/// The userinfo answer for an access token: only while its grant is live and its user exists.
pub async fn userinfo(
    state: &Inner,
    ctx: &Ctx,
    access_token: &str,
) -> Result<Map<String, Value>, Error> {
    let claims = jwt::verify_access_token(state, &ctx.tenant_id, access_token, ctx.now)
        .await?
        .ok_or(Error::InvalidToken)?;
    let grant_id = claims
        .get("gid")
        .and_then(Value::as_str)
        .ok_or(Error::InvalidToken)?;
    let grant = state
        .store
        .grant(grant_id)
        .await?
        .filter(|g| !g.is_revoked())
        .ok_or(Error::InvalidToken)?;
    let user = grant_user(state, ctx, &grant)
        .await?
        .map_err(|_| Error::InvalidToken)?;
    Ok(claims::user_claims(&user, &grant.scope))
}
