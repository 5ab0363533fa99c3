//! Registering OAuth clients: names, exact redirect URIs, secrets shown once, MFA policy.

use serde_json::json;
use twofold_core::DomainError;
use twofold_core::app::{self, App, AppMfa};
use twofold_core::event::EventType;
use twofold_core::secrets::{self, CLIENT_SECRET_PREFIX, SecretString, TokenHash};
use twofold_core::settings::LoginSettings;

use super::{Ctx, events};
use crate::error::Error;
use crate::random;
use crate::state::Inner;

const SECRET: &str = "client-secret";
const MAX_REDIRECT_URIS: usize = 20;

pub struct NewApp {
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub public: bool,
    pub login_url: Option<String>,
    pub mfa: AppMfa,
}

#[derive(Default)]
pub struct AppChange {
    pub name: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    pub login_url: Option<Option<String>>,
    pub mfa: Option<AppMfa>,
    pub rotate_secret: bool,
}

pub fn secret_hash(state: &Inner, secret: &SecretString) -> TokenHash {
    state.hashing.hash(SECRET, secret.expose())
}

fn checked_uris(uris: Vec<String>) -> Result<Vec<String>, Error> {
    if uris.is_empty() || uris.len() > MAX_REDIRECT_URIS {
        return Err(DomainError::invalid(format!(
            "redirect_uris must list 1 to {MAX_REDIRECT_URIS} URIs"
        ))
        .into());
    }
    let mut unique: Vec<String> = Vec::with_capacity(uris.len());
    for uri in uris {
        app::check_redirect_uri(&uri)?;
        if !unique.contains(&uri) {
            unique.push(uri);
        }
    }
    Ok(unique)
}

fn checked_mfa(settings: &LoginSettings, mfa: AppMfa) -> Result<AppMfa, Error> {
    mfa.validate()?;
    if let Some(f) = mfa
        .allowed_factors
        .iter()
        .find(|f| !settings.second_factors.contains(f))
    {
        return Err(DomainError::invalid(format!(
            "mfa.allowed_factors: `{f}` is not one of the tenant's second factors"
        ))
        .into());
    }
    Ok(mfa)
}

fn new_secret(state: &Inner) -> Result<SecretString, Error> {
    Ok(secrets::format_token(
        CLIENT_SECRET_PREFIX,
        &random::bytes(state.random.as_ref())?,
    ))
}

/// Creates the app; a confidential client's secret is returned here and never again.
pub async fn create(
    state: &Inner,
    ctx: &Ctx,
    new: NewApp,
) -> Result<(App, Option<SecretString>), Error> {
    let settings = state.settings(&ctx.tenant_id).await?;
    let secret = (!new.public).then(|| new_secret(state)).transpose()?;
    let app = App {
        client_id: random::new_id(state.random.as_ref())?,
        tenant_id: ctx.tenant_id.clone(),
        name: app::normalise_name(&new.name)?,
        public: new.public,
        secret_hash: secret.as_ref().map(|s| secret_hash(state, s)),
        redirect_uris: checked_uris(new.redirect_uris)?,
        login_url: new
            .login_url
            .map(|url| app::check_redirect_uri(&url).map(|()| url))
            .transpose()?,
        mfa: checked_mfa(&settings, new.mfa)?,
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    state.store.insert_app(&app).await?;
    let detail =
        json!({"client_id": app.client_id, "public": app.public, "mfa_mode": app.mfa.mode});
    events::record(state, ctx, EventType::AppCreated, None, detail).await?;
    Ok((app, secret))
}

pub async fn get(state: &Inner, tenant_id: &str, client_id: &str) -> Result<App, Error> {
    state
        .store
        .app(tenant_id, client_id)
        .await?
        .ok_or(Error::NotFound("app"))
}

pub async fn update(
    state: &Inner,
    ctx: &Ctx,
    client_id: &str,
    change: AppChange,
) -> Result<(App, Option<SecretString>), Error> {
    let settings = state.settings(&ctx.tenant_id).await?;
    let mut app = get(state, &ctx.tenant_id, client_id).await?;
    if let Some(name) = change.name {
        app.name = app::normalise_name(&name)?;
    }
    if let Some(uris) = change.redirect_uris {
        app.redirect_uris = checked_uris(uris)?;
    }
    if let Some(login_url) = change.login_url {
        app.login_url = login_url
            .map(|url| app::check_redirect_uri(&url).map(|()| url))
            .transpose()?;
    }
    if let Some(mfa) = change.mfa {
        app.mfa = checked_mfa(&settings, mfa)?;
    }
    let secret = match (change.rotate_secret, app.public) {
        (false, _) => None,
        (true, true) => {
            return Err(Error::InvalidRequest(
                "a public client has no secret to rotate".to_owned(),
            ));
        }
        (true, false) => Some(new_secret(state)?),
    };
    if let Some(secret) = &secret {
        app.secret_hash = Some(secret_hash(state, secret));
    }
    app.updated_at = ctx.now;
    if !state.store.update_app(&app).await? {
        return Err(Error::NotFound("app"));
    }
    let detail = json!({"client_id": app.client_id, "secret_rotated": secret.is_some()});
    events::record(state, ctx, EventType::AppUpdated, None, detail).await?;
    Ok((app, secret))
}

pub async fn delete(state: &Inner, ctx: &Ctx, client_id: &str) -> Result<(), Error> {
    if !state.store.delete_app(&ctx.tenant_id, client_id).await? {
        return Err(Error::NotFound("app"));
    }
    events::record(
        state,
        ctx,
        EventType::AppDeleted,
        None,
        json!({"client_id": client_id}),
    )
    .await
}
