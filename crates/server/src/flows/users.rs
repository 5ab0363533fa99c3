//! Creating, changing and removing users; unlocking them.

use data_encoding::BASE64URL_NOPAD;
use serde_json::json;
use twofold_core::challenge::Channel;
use twofold_core::event::EventType;
use twofold_core::lockout::Counter;
use twofold_core::names;
use twofold_core::password;
use twofold_core::secrets::SecretString;
use twofold_core::settings::LoginSettings;
use twofold_core::user::{self, User};
use twofold_core::{DomainError, Factor};

use super::{Ctx, contacts, events};
use twofold_store::UserQuery;

use crate::error::Error;
use crate::random;
use crate::state::Inner;

pub struct NewUser {
    pub username: String,
    pub language: Option<String>,
    pub email: Option<String>,
    pub email_verified: bool,
    pub phone: Option<String>,
    pub phone_verified: bool,
    pub password: Option<SecretString>,
    pub mfa_enabled: bool,
    pub required_factors: Vec<Factor>,
}

/// A change to a user; `None` leaves a field as it is, `Some(None)` clears a contact point.
#[derive(Default)]
pub struct UserChange {
    pub language: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub email_verified: Option<bool>,
    pub phone: Option<Option<String>>,
    pub phone_verified: Option<bool>,
    pub password: Option<SecretString>,
    pub mfa_enabled: Option<bool>,
    pub required_factors: Option<Vec<Factor>>,
}

pub async fn create(state: &Inner, ctx: &Ctx, new: NewUser) -> Result<User, Error> {
    let settings = state.settings(&ctx.tenant_id).await?;
    let username = user::normalise_username(&new.username)?;
    let email = new
        .email
        .as_deref()
        .map(user::normalise_email)
        .transpose()?;
    let phone = new
        .phone
        .as_deref()
        .map(user::normalise_phone)
        .transpose()?;
    check_required_factors(state, &settings, &new.required_factors)?;
    let password_hash = match &new.password {
        Some(password) => Some(hash_checked(state, password, &username, email.as_deref()).await?),
        None => None,
    };
    let user = User {
        id: random::new_id(state.random.as_ref())?,
        tenant_id: ctx.tenant_id.clone(),
        username,
        email_verified: new.email_verified && email.is_some(),
        email,
        phone_verified: new.phone_verified && phone.is_some(),
        phone,
        language: new
            .language
            .as_deref()
            .map(user::normalise_language)
            .transpose()?,
        password_hash,
        mfa_enabled: new.mfa_enabled,
        required_factors: new.required_factors,
        second_factor: Counter::default(),
        password: Counter::default(),
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    state
        .store
        .insert_user(&user)
        .await
        .map_err(|e| match Error::from(e) {
            Error::Conflict(_) => Error::Conflict("a user with this username exists".to_owned()),
            other => other,
        })?;
    events::record(
        state,
        ctx,
        EventType::UserCreated,
        Some(&user.id),
        json!({"has_password": user.password_hash.is_some()}),
    )
    .await?;
    Ok(user)
}

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 200;

/// A page's size: [`DEFAULT_PAGE`] unless asked, at most [`MAX_PAGE`]. Groups page alike.
pub(super) fn page_limit(limit: Option<u32>) -> Result<u32, Error> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Error::InvalidRequest(format!(
            "limit must be 1 to {MAX_PAGE}"
        )));
    }
    Ok(limit)
}

/// The sort key a `next_cursor` carries, decoded.
pub(super) fn from_cursor(after: Option<&str>) -> Result<Option<String>, Error> {
    match after {
        None | Some("") => Ok(None),
        Some(cursor) => BASE64URL_NOPAD
            .decode(cursor.as_bytes())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .map(Some)
            .ok_or_else(|| {
                Error::InvalidRequest("after must be a cursor from next_cursor".to_owned())
            }),
    }
}

/// The cursor after a full page (the last item's sort key, opaque), none after a short one.
pub(super) fn next_cursor<T>(page: &[T], limit: u32, key: impl Fn(&T) -> &str) -> Option<String> {
    (page.len() == limit as usize)
        .then(|| {
            page.last()
                .map(|last| BASE64URL_NOPAD.encode(key(last).as_bytes()))
        })
        .flatten()
}

pub struct Page {
    pub users: Vec<User>,
    pub next_cursor: Option<String>,
}

/// A page of users in username order. `search` matches the start of the username or the email,
/// folded as login names are (`ALI` finds `alice` and `alice@example.com`). The cursor is the
/// last username of a page, encoded so it is opaque and needs no escaping in a URL.
pub async fn list(
    state: &Inner,
    tenant_id: &str,
    search: Option<&str>,
    after: Option<&str>,
    limit: Option<u32>,
) -> Result<Page, Error> {
    let limit = page_limit(limit)?;
    let search = search
        .map(names::normalise_login_name)
        .filter(|s| !s.is_empty());
    if search.as_ref().is_some_and(|s| s.chars().count() > 254) {
        return Err(Error::InvalidRequest(
            "search must have at most 254 characters".to_owned(),
        ));
    }
    let after = from_cursor(after)?;
    let query = UserQuery {
        tenant_id: tenant_id.to_owned(),
        search,
        after,
        limit,
    };
    let users = state.store.users(&query).await?;
    let next_cursor = next_cursor(&users, limit, |u| &u.username);
    Ok(Page { users, next_cursor })
}

pub async fn get(state: &Inner, tenant_id: &str, id: &str) -> Result<User, Error> {
    state
        .store
        .user(tenant_id, id)
        .await?
        .ok_or(Error::NotFound("user"))
}

pub async fn update(state: &Inner, ctx: &Ctx, id: &str, change: UserChange) -> Result<User, Error> {
    let settings = state.settings(&ctx.tenant_id).await?;
    let mut user = get(state, &ctx.tenant_id, id).await?;
    let mut changed = Vec::new();
    if let Some(email) = change.email {
        let email = email.as_deref().map(user::normalise_email).transpose()?;
        if email != user.email {
            // A new address is unproven until verified again.
            user.email_verified = false;
            user.email = email;
        }
        changed.push("email");
    }
    if let Some(verified) = change.email_verified {
        user.email_verified = verified && user.email.is_some();
        changed.push("email_verified");
    }
    if let Some(phone) = change.phone {
        let phone = phone.as_deref().map(user::normalise_phone).transpose()?;
        if phone != user.phone {
            user.phone_verified = false;
            user.phone = phone;
        }
        changed.push("phone");
    }
    if let Some(verified) = change.phone_verified {
        user.phone_verified = verified && user.phone.is_some();
        changed.push("phone_verified");
    }
    if let Some(password) = &change.password {
        user.password_hash =
            Some(hash_checked(state, password, &user.username, user.email.as_deref()).await?);
        changed.push("password");
    }
    if let Some(language) = change.language {
        user.language = language
            .as_deref()
            .map(user::normalise_language)
            .transpose()?;
        changed.push("language");
    }
    if let Some(enabled) = change.mfa_enabled {
        user.mfa_enabled = enabled;
        changed.push("mfa_enabled");
    }
    if let Some(required) = change.required_factors {
        check_required_factors(state, &settings, &required)?;
        user.required_factors = required;
        changed.push("required_factors");
    }
    user.updated_at = ctx.now;
    if !state.store.update_user(&user).await? {
        return Err(Error::NotFound("user"));
    }
    let contact_changed = changed
        .iter()
        .any(|c| ["email", "email_verified", "phone", "phone_verified"].contains(c));
    if contact_changed {
        for channel in [Channel::Email, Channel::Sms] {
            contacts::follow_contact(state, &user, channel).await?;
        }
    }
    events::record(
        state,
        ctx,
        EventType::UserUpdated,
        Some(&user.id),
        json!({"changed": changed}),
    )
    .await?;
    Ok(user)
}

pub async fn delete(state: &Inner, ctx: &Ctx, id: &str) -> Result<(), Error> {
    if !state.store.delete_user(&ctx.tenant_id, id).await? {
        return Err(Error::NotFound("user"));
    }
    events::record(state, ctx, EventType::UserDeleted, Some(id), json!({})).await
}

pub async fn unlock(state: &Inner, ctx: &Ctx, id: &str) -> Result<User, Error> {
    let user = get(state, &ctx.tenant_id, id).await?;
    state.store.unlock(&user.id).await?;
    events::record(
        state,
        ctx,
        EventType::UserUnlocked,
        Some(&user.id),
        json!({"by": "admin"}),
    )
    .await?;
    get(state, &ctx.tenant_id, id).await
}

fn check_required_factors(
    state: &Inner,
    settings: &LoginSettings,
    factors: &[Factor],
) -> Result<(), Error> {
    // A required factor this server cannot run would leave the user unable to sign in.
    state
        .capabilities()
        .ensure_all_run("required_factors", factors)?;
    match factors
        .iter()
        .find(|f| !f.is_second_factor() || !settings.second_factors.contains(f))
    {
        Some(f) => Err(DomainError::invalid(format!(
            "required_factors: `{f}` is not one of the tenant's second factors"
        ))
        .into()),
        None => Ok(()),
    }
}

async fn hash_checked(
    state: &Inner,
    password: &SecretString,
    username: &str,
    email: Option<&str>,
) -> Result<String, Error> {
    let context: Vec<&str> = [Some(username), email].into_iter().flatten().collect();
    password::check_policy(password.expose(), &context)?;
    state.passwords.hash(password, state.random.as_ref()).await
}
