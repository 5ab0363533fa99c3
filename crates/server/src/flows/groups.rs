//! Groups: a name and an MFA policy every member is held to (the strictest of all policies holds,
//! see [`twofold_core::groups`]), and who is in them. Admin token only.

use serde_json::json;
use twofold_core::event::EventType;
use twofold_core::groups::{self, Group, GroupMfa};
use twofold_store::StoreError;

use super::{Ctx, events, users};
use crate::error::Error;
use crate::random;
use crate::state::Inner;

pub struct NewGroup {
    pub name: String,
    pub mfa: GroupMfa,
}

#[derive(Default)]
pub struct GroupChange {
    pub name: Option<String>,
    pub mfa: Option<GroupMfa>,
}

pub struct Page {
    pub groups: Vec<Group>,
    pub next_cursor: Option<String>,
}

/// A taken name is the caller's to fix; the database's wording is not theirs to read.
fn name_taken(e: StoreError) -> Error {
    match e {
        StoreError::Conflict(_) => {
            Error::Conflict("the tenant has a group of this name already".to_owned())
        }
        other => other.into(),
    }
}

pub async fn create(state: &Inner, ctx: &Ctx, new: NewGroup) -> Result<Group, Error> {
    let settings = state.settings(&ctx.tenant_id).await?;
    new.mfa.validate(&settings)?;
    let group = Group {
        id: random::new_id(state.random.as_ref())?,
        tenant_id: ctx.tenant_id.clone(),
        name: groups::normalise_name(&new.name)?,
        mfa: new.mfa,
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    state.store.insert_group(&group).await.map_err(name_taken)?;
    let detail = json!({"group_id": group.id, "name": group.name, "mfa": group.mfa});
    events::record(state, ctx, EventType::GroupCreated, None, detail).await?;
    Ok(group)
}

/// A page of the tenant's groups in name order (paged as users are).
pub async fn list(
    state: &Inner,
    tenant_id: &str,
    after: Option<&str>,
    limit: Option<u32>,
) -> Result<Page, Error> {
    let limit = users::page_limit(limit)?;
    let after = users::from_cursor(after)?;
    let groups = state
        .store
        .groups(tenant_id, after.as_deref(), limit)
        .await?;
    let next_cursor = users::next_cursor(&groups, limit, |g| &g.name);
    Ok(Page {
        groups,
        next_cursor,
    })
}

pub async fn get(state: &Inner, tenant_id: &str, id: &str) -> Result<Group, Error> {
    state
        .store
        .group(tenant_id, id)
        .await?
        .ok_or(Error::NotFound("group"))
}

pub async fn update(
    state: &Inner,
    ctx: &Ctx,
    id: &str,
    change: GroupChange,
) -> Result<Group, Error> {
    let mut group = get(state, &ctx.tenant_id, id).await?;
    if let Some(name) = change.name {
        group.name = groups::normalise_name(&name)?;
    }
    if let Some(mfa) = change.mfa {
        mfa.validate(&state.settings(&ctx.tenant_id).await?)?;
        group.mfa = mfa;
    }
    group.updated_at = ctx.now;
    if !state.store.update_group(&group).await.map_err(name_taken)? {
        return Err(Error::NotFound("group"));
    }
    let detail = json!({"group_id": group.id, "name": group.name, "mfa": group.mfa});
    events::record(state, ctx, EventType::GroupUpdated, None, detail).await?;
    Ok(group)
}

pub async fn delete(state: &Inner, ctx: &Ctx, id: &str) -> Result<(), Error> {
    if !state.store.delete_group(&ctx.tenant_id, id).await? {
        return Err(Error::NotFound("group"));
    }
    events::record(
        state,
        ctx,
        EventType::GroupDeleted,
        None,
        json!({"group_id": id}),
    )
    .await
}

/// Makes a user of the tenant a member; adding a member again changes nothing.
pub async fn add_member(
    state: &Inner,
    ctx: &Ctx,
    group_id: &str,
    user_id: &str,
) -> Result<(), Error> {
    let group = get(state, &ctx.tenant_id, group_id).await?;
    let user = users::get(state, &ctx.tenant_id, user_id).await?;
    if state
        .store
        .add_group_member(&group.id, &user.id, ctx.now)
        .await?
    {
        let detail = json!({"group_id": group.id, "name": group.name});
        events::record(
            state,
            ctx,
            EventType::GroupMemberAdded,
            Some(&user.id),
            detail,
        )
        .await?;
    }
    Ok(())
}

pub async fn remove_member(
    state: &Inner,
    ctx: &Ctx,
    group_id: &str,
    user_id: &str,
) -> Result<(), Error> {
    let group = get(state, &ctx.tenant_id, group_id).await?;
    let user = users::get(state, &ctx.tenant_id, user_id).await?;
    if !state.store.remove_group_member(&group.id, &user.id).await? {
        return Err(Error::NotFound("membership"));
    }
    let detail = json!({"group_id": group.id, "name": group.name});
    events::record(
        state,
        ctx,
        EventType::GroupMemberRemoved,
        Some(&user.id),
        detail,
    )
    .await
}

/// The groups a user of the tenant is a member of, in name order.
pub async fn of_user(state: &Inner, tenant_id: &str, user_id: &str) -> Result<Vec<Group>, Error> {
    let user = users::get(state, tenant_id, user_id).await?;
    Ok(state.store.groups_of(&user.id).await?)
}

/// The MFA policies of the user's groups, for the policy evaluation.
pub async fn policies_of(state: &Inner, user_id: &str) -> Result<Vec<GroupMfa>, Error> {
    Ok(state
        .store
        .groups_of(user_id)
        .await?
        .into_iter()
        .map(|g| g.mfa)
        .collect())
}
