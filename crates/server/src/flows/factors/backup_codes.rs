//! Backup codes: a new set replaces the old one and is shown once; a code is spent by the sign-in
//! step that checks it.

use serde_json::json;
use twofold_core::authenticator::{Authenticator, AuthenticatorState};
use twofold_core::check::CheckOutcome;
use twofold_core::event::EventType;
use twofold_core::settings::LoginSettings;
use twofold_core::step::{self, Admission, Budget};
use twofold_core::user::User;
use twofold_core::{Factor, backup_codes};
use twofold_store::Consumption;

use super::{backup_code_fallback, budget};
use crate::error::Error;
use crate::flows::step_writes::Pending;
use crate::flows::{Ctx, events};
use crate::random;
use crate::state::Inner;

/// The keyed-hash domain of a user's backup codes: the same code for two users hashes apart.
pub fn backup_code_domain(user_id: &str) -> String {
    format!("backup-code:{user_id}")
}

/// A new set of backup codes, replacing any earlier set; the codes are shown once.
pub async fn new_backup_codes(state: &Inner, ctx: &Ctx, user: &User) -> Result<Vec<String>, Error> {
    let settings = state.settings(&ctx.tenant_id).await?;
    if !settings.second_factors.contains(&Factor::BackupCode) {
        return Err(Error::Forbidden(
            "backup codes are not enabled for this tenant".to_owned(),
        ));
    }
    let codes = backup_codes::generate(&random::bytes(state.random.as_ref())?);
    let domain = backup_code_domain(&user.id);
    let hashes: Vec<_> = codes
        .iter()
        .filter_map(|code| backup_codes::normalise(code))
        .map(|code| state.hashing.hash(&domain, &code))
        .collect();
    let set = Authenticator {
        id: random::new_id(state.random.as_ref())?,
        user_id: user.id.clone(),
        factor: Factor::BackupCode,
        name: "backup codes".to_owned(),
        state: AuthenticatorState::Active,
        sealed_secret: None,
        params: json!({"codes": hashes.len()}),
        last_step: None,
        created_at: ctx.now,
        last_used_at: None,
    };
    state.store.replace_backup_codes(&set, &hashes).await?;
    events::record(
        state,
        ctx,
        EventType::AuthenticatorAdded,
        Some(&user.id),
        json!({"factor": Factor::BackupCode, "authenticator_id": set.id, "codes": hashes.len()}),
    )
    .await?;
    Ok(codes)
}

/// Whether a backup code is one of the user's unused ones is decided by spending it in the
/// step's transaction: a code that is not there fails the step there.
pub(in crate::flows) async fn check(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user: &User,
    code: &str,
    pending: &mut Pending,
) -> Result<CheckOutcome, Error> {
    // While a lock holds (or a captcha is due and none came), a code is the way out of it.
    let gate = budget::gate(state, settings, user, ctx.now).await?;
    let admitted = step::admit(Factor::BackupCode, gate, pending.has_captcha());
    if admitted == Admission::Try(Budget::Unlock) {
        return backup_code_fallback::check(state, ctx, settings, user, code, gate, pending).await;
    }
    let counter =
        match budget::reserve(state, ctx, settings, user, Factor::BackupCode, pending).await? {
            Ok(counter) => counter,
            Err(locked) => return Ok(locked),
        };
    if let Some(code) = backup_codes::normalise(code) {
        let consumption = Consumption::BackupCode {
            user_id: user.id.clone(),
            code_hash: state.hashing.hash(&backup_code_domain(&user.id), &code),
            at: ctx.now,
        };
        return Ok(budget::passed_reserved(
            user,
            Factor::BackupCode,
            ctx,
            pending,
            Some((consumption, "wrong")),
            counter,
        ));
    }
    budget::failed_reserved(
        state,
        ctx,
        settings,
        user,
        Factor::BackupCode,
        "wrong",
        counter,
    )
    .await
}
