//! Prompt mode: a user whom nobody asks for MFA, and who has no second factor, is asked to set
//! one up after the first factor and may skip it for `mfa_init_skip_lifetime`.

use super::{Context, MfaInfo};
use crate::settings::{LoginSettings, TenantMfaMode};
use crate::{Factor, UnixTime};

/// Where MFA does not apply: satisfied, except that prompt mode asks a user with no second factor
/// to set one up, which they may skip; a skip holds until `setup_skipped_until`.
pub(super) fn prompt(
    settings: &LoginSettings,
    enrolled: &[Factor],
    context: &Context<'_>,
    info: &mut MfaInfo,
) {
    let offered: Vec<Factor> = info
        .allowed_to_setup
        .iter()
        .copied()
        .filter(|f| *f != Factor::BackupCode)
        .collect();
    let has_factor = enrolled.iter().any(|f| *f != Factor::BackupCode);
    if settings.mfa.mode != TenantMfaMode::Prompt || has_factor || offered.is_empty() {
        info.satisfied = true;
        return;
    }
    match context.setup_skipped_until {
        Some(until) if context.now < until => {
            info.satisfied = true;
            info.setup_skipped_until = Some(until);
        }
        _ => {
            info.setup_required = true;
            info.setup_skippable = true;
            info.next = offered;
        }
    }
}

/// Until when a skip made at `now` holds (`mfa_init_skip_lifetime`; 0 asks at every sign-in).
pub fn skip_until(settings: &LoginSettings, now: UnixTime) -> UnixTime {
    now.plus_seconds(settings.mfa_init_skip_lifetime)
}
