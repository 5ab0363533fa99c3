//! The MFA info of a sign-in on behalf of an app: its mode, its requirement and its factor list
//! add to the tenant's policy.
#![allow(clippy::field_reassign_with_default)]

use super::tests::{passed, user};
use super::*;
use crate::capabilities::Capabilities;

fn app<'a>(
    requires_mfa: bool,
    require: Option<&'a Requirement>,
    allowed: &'a [Factor],
) -> AppPolicy<'a> {
    AppPolicy {
        requires_mfa,
        require,
        allowed_factors: allowed,
    }
}

#[test]
fn an_app_that_requires_mfa_requires_it_of_users_who_did_not_opt_in() {
    let mut settings = LoginSettings::default();
    settings.mfa.enrolled_factors_required = false;
    let carol = user(false, &[], &[Factor::Totp]);
    let signed_in = passed(&[Factor::Password]);
    assert!(evaluate(&settings, Capabilities::ALL, Some(carol), &signed_in).satisfied);
    let strict = evaluate_for_app(
        &settings,
        Capabilities::ALL,
        Some(app(true, None, &[])),
        Some(carol),
        &signed_in,
    );
    assert!(!strict.satisfied && strict.mfa_required);
    assert_eq!(strict.next, vec![Factor::Totp]);
    let relaxed = evaluate_for_app(
        &settings,
        Capabilities::ALL,
        Some(app(false, None, &[])),
        Some(carol),
        &signed_in,
    );
    assert!(relaxed.satisfied);
}

#[test]
fn an_app_requirement_adds_to_the_tenants_and_its_factor_list_narrows_the_choice() {
    let mut settings = LoginSettings::default();
    settings.second_factors = vec![Factor::Totp, Factor::OtpEmail, Factor::BackupCode];
    let active = [Factor::Totp, Factor::OtpEmail];
    let dave = user(true, &[], &active);
    let totp_only = Requirement::Factor(Factor::Totp);
    let with_email = passed(&[Factor::Password, Factor::OtpEmail]);
    assert!(evaluate(&settings, Capabilities::ALL, Some(dave), &with_email).satisfied);
    let info = evaluate_for_app(
        &settings,
        Capabilities::ALL,
        Some(app(true, Some(&totp_only), &[])),
        Some(dave),
        &with_email,
    );
    assert!(!info.satisfied);
    assert_eq!(info.next, vec![Factor::Totp]);

    let narrowed = evaluate_for_app(
        &settings,
        Capabilities::ALL,
        Some(app(true, None, &[Factor::Totp])),
        Some(dave),
        &passed(&[Factor::Password]),
    );
    assert_eq!(narrowed.already_setup, vec![Factor::Totp]);
    assert_eq!(
        narrowed.next,
        vec![Factor::Totp],
        "email is not offered to this app"
    );
    assert!(!narrowed.allowed_to_setup.contains(&Factor::OtpEmail));
}

#[test]
fn a_passkey_is_enough_for_mfa_but_not_for_a_requirement_that_names_other_factors() {
    use crate::requirement::Requirement;
    let settings = LoginSettings {
        first_factors: vec![Factor::Password, Factor::Passkey],
        second_factors: vec![Factor::Totp, Factor::Passkey],
        ..LoginSettings::default()
    };
    let active = [Factor::Totp, Factor::Passkey];
    let user = UserMfa {
        mfa_enabled: true,
        required_factors: &[],
        active_factors: &active,
    };
    let mut passed = PassedChecks::new();
    passed.insert(Factor::Passkey, crate::UnixTime(10));
    assert!(evaluate(&settings, Capabilities::ALL, Some(user), &passed).satisfied);

    let strict = LoginSettings {
        mfa: crate::settings::MfaPolicy {
            require: Some(Requirement::Factor(Factor::Totp)),
            ..settings.mfa.clone()
        },
        ..settings.clone()
    };
    let info = evaluate(&strict, Capabilities::ALL, Some(user), &passed);
    assert!(!info.satisfied);
    assert_eq!(info.next, vec![Factor::Totp]);

    let no_passkeys = AppPolicy {
        requires_mfa: true,
        require: None,
        allowed_factors: &[Factor::Totp],
    };
    let info = evaluate_for_app(
        &settings,
        Capabilities::ALL,
        Some(no_passkeys),
        Some(user),
        &passed,
    );
    assert!(!info.satisfied, "an app that does not accept passkeys");
}
