//! The sign-in methods a login screen may offer for a name (seed 002's "get the configured
//! authentication methods").

use twofold_core::first_factor::{self, SignInMethods};
use twofold_core::names;

use super::Ctx;
use super::factors::password;
use crate::error::Error;
use crate::state::Inner;

/// The same answer for every name, known or not (see [`first_factor::sign_in_methods`]): the
/// name is checked for shape and never looked up, so the answer tells nothing about who exists.
/// An address refused for failed passwords is refused here too, as at the password check.
pub async fn methods(state: &Inner, ctx: &Ctx, login_name: &str) -> Result<SignInMethods, Error> {
    let name = names::normalise_login_name(login_name);
    if name.is_empty() || name.len() > 256 {
        return Err(Error::InvalidRequest(
            "login_name must have 1 to 256 characters".to_owned(),
        ));
    }
    let settings = state.settings(&ctx.tenant_id).await?;
    password::throttle_by_address(state, ctx, &settings).await?;
    Ok(first_factor::sign_in_methods(
        &settings,
        state.capabilities(),
    ))
}
