//! Who may change a user's factors with nothing but the user's own session: the one rule every
//! route that adds, proves, removes or renames an authenticator, or sets the phone or email a
//! code factor uses, asks. (The admin token may always; that is decided before this.)
//!
//! A session that has not passed what the policy asks can change nothing, except set up the
//! factor the policy itself requires: a password alone must never be enough to swap the second
//! factor that protects the account, or to mint backup codes that stand in for it.

use crate::Factor;
use crate::mfa_info::{MfaInfo, may_set_up_in_session};

/// What a session wants to do to its user's factors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactorChange {
    /// Enrol or prove a new authenticator of a factor (TOTP, WebAuthn, backup codes, enabling a
    /// code factor).
    SetUp(Factor),
    /// List, remove or rename authenticators, or manage devices: needs a satisfied session.
    Manage,
    /// Set or prove the phone or email a code factor uses: as for setting that factor up, or any
    /// time in a satisfied session (a person changing their own number).
    Contact(Factor),
}

/// Why a session may not make a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No first factor counts yet.
    SignInFirst,
    /// A second factor is due first: pass one of `next`.
    MfaRequired { next: Vec<Factor> },
    /// The user must set up one of `next` first, and may set up nothing else.
    SetupRequired { next: Vec<Factor> },
    /// The sign-in holds, but the factor is not one that may be set up here.
    NotOffered,
}

pub fn may_change(info: &MfaInfo, change: FactorChange) -> Result<(), Refusal> {
    let allowed = match change {
        FactorChange::SetUp(factor) => may_set_up_in_session(info, factor),
        FactorChange::Manage => info.satisfied,
        FactorChange::Contact(factor) => info.satisfied || may_set_up_in_session(info, factor),
    };
    if allowed {
        return Ok(());
    }
    Err(if !info.first_factor_passed {
        Refusal::SignInFirst
    } else if info.satisfied {
        Refusal::NotOffered
    } else if info.setup_required {
        Refusal::SetupRequired {
            next: info.next.clone(),
        }
    } else {
        Refusal::MfaRequired {
            next: info.next.clone(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UnixTime;
    use crate::capabilities::Capabilities;
    use crate::mfa_info::{UserMfa, evaluate};
    use crate::requirement::PassedChecks;
    use crate::settings::{LoginSettings, TenantMfaMode};

    fn info(mfa_enabled: bool, active: &[Factor], passed: &[Factor]) -> MfaInfo {
        info_with(&LoginSettings::default(), mfa_enabled, active, passed)
    }

    fn info_with(
        settings: &LoginSettings,
        mfa_enabled: bool,
        active: &[Factor],
        passed: &[Factor],
    ) -> MfaInfo {
        let passed: PassedChecks = passed.iter().map(|f| (*f, UnixTime(1))).collect();
        let user = UserMfa {
            mfa_enabled,
            required_factors: &[],
            active_factors: active,
        };
        evaluate(settings, Capabilities::ALL, Some(user), &passed)
    }

    const EVERY_CHANGE: [FactorChange; 7] = [
        FactorChange::SetUp(Factor::Totp),
        FactorChange::SetUp(Factor::Webauthn),
        FactorChange::SetUp(Factor::Passkey),
        FactorChange::SetUp(Factor::BackupCode),
        FactorChange::SetUp(Factor::OtpSms),
        FactorChange::Manage,
        FactorChange::Contact(Factor::OtpEmail),
    ];

    #[test]
    fn a_password_alone_changes_nothing_for_a_person_who_set_up_a_second_factor() {
        let password_only = info(false, &[Factor::Totp], &[Factor::Password]);
        for change in EVERY_CHANGE {
            assert_eq!(
                may_change(&password_only, change),
                Err(Refusal::MfaRequired {
                    next: vec![Factor::Totp]
                }),
                "{change:?}"
            );
        }
        let with_totp = info(false, &[Factor::Totp], &[Factor::Password, Factor::Totp]);
        for change in EVERY_CHANGE {
            assert_eq!(may_change(&with_totp, change), Ok(()), "{change:?}");
        }
    }

    #[test]
    fn a_person_who_must_set_up_mfa_may_set_up_what_is_due_and_nothing_else() {
        let due = info(true, &[], &[Factor::Password]);
        assert!(due.setup_required);
        assert_eq!(may_change(&due, FactorChange::SetUp(Factor::Totp)), Ok(()));
        assert_eq!(
            may_change(&due, FactorChange::Contact(Factor::OtpSms)),
            Ok(())
        );
        for change in [
            FactorChange::SetUp(Factor::BackupCode),
            FactorChange::Manage,
        ] {
            assert!(
                matches!(may_change(&due, change), Err(Refusal::SetupRequired { .. })),
                "{change:?}"
            );
        }
        let before = info(true, &[], &[]);
        assert_eq!(
            may_change(&before, FactorChange::SetUp(Factor::Totp)),
            Err(Refusal::SignInFirst)
        );
    }

    #[test]
    fn without_an_opt_in_or_where_the_tenant_ignores_it_a_password_is_the_whole_sign_in() {
        let newcomer = info(false, &[Factor::BackupCode], &[Factor::Password]);
        assert!(newcomer.satisfied, "backup codes are no opt-in");
        assert_eq!(
            may_change(&newcomer, FactorChange::SetUp(Factor::Totp)),
            Ok(())
        );
        let mut lenient = LoginSettings::default();
        lenient.mfa.enrolled_factors_required = false;
        let ignored = info_with(&lenient, false, &[Factor::Totp], &[Factor::Password]);
        assert!(ignored.satisfied);
        assert_eq!(may_change(&ignored, FactorChange::Manage), Ok(()));
        lenient.mfa.mode = TenantMfaMode::Always;
        let forced = info_with(&lenient, false, &[Factor::Totp], &[Factor::Password]);
        assert!(may_change(&forced, FactorChange::Manage).is_err());
    }
}
