#![allow(clippy::field_reassign_with_default)]

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::UnixTime;
use crate::capabilities::Capabilities;

pub(super) fn passed(items: &[Factor]) -> PassedChecks {
    items
        .iter()
        .enumerate()
        .map(|(i, f)| (*f, UnixTime(i as i64)))
        .collect()
}

pub(super) fn user<'a>(
    mfa_enabled: bool,
    required: &'a [Factor],
    active: &'a [Factor],
) -> UserMfa<'a> {
    UserMfa {
        mfa_enabled,
        required_factors: required,
        active_factors: active,
    }
}

#[test]
fn without_a_user_only_a_first_factor_is_next() {
    let info = evaluate(
        &LoginSettings::default(),
        Capabilities::ALL,
        None,
        &passed(&[]),
    );
    assert!(!info.satisfied);
    assert_eq!(info.next, vec![Factor::Password]);
}

#[test]
fn a_user_without_mfa_or_a_second_factor_is_done_after_the_password() {
    let settings = LoginSettings::default();
    let info = evaluate(
        &settings,
        Capabilities::ALL,
        Some(user(false, &[], &[Factor::BackupCode])),
        &passed(&[Factor::Password]),
    );
    assert!(
        info.satisfied && !info.mfa_required,
        "backup codes are no opt-in"
    );
}

#[test]
fn a_second_factor_the_person_set_up_is_asked_at_every_sign_in_unless_the_tenant_says_not() {
    let mut settings = LoginSettings::default();
    let carol = user(false, &[], &[Factor::Totp]);
    let info = evaluate(
        &settings,
        Capabilities::ALL,
        Some(carol),
        &passed(&[Factor::Password]),
    );
    assert!(!info.satisfied && info.mfa_required && !info.setup_required);
    assert_eq!(info.next, vec![Factor::Totp]);
    let with_totp = passed(&[Factor::Password, Factor::Totp]);
    assert!(evaluate(&settings, Capabilities::ALL, Some(carol), &with_totp).satisfied);

    settings.mfa.enrolled_factors_required = false;
    let info = evaluate(
        &settings,
        Capabilities::ALL,
        Some(carol),
        &passed(&[Factor::Password]),
    );
    assert!(info.satisfied && !info.mfa_required);
    assert_eq!(info.already_setup, vec![Factor::Totp]);
}

#[test]
fn what_the_server_cannot_deliver_is_never_offered() {
    let settings = LoginSettings {
        mfa: crate::settings::MfaPolicy {
            mode: TenantMfaMode::Always,
            ..Default::default()
        },
        ..LoginSettings::default()
    };
    let bare = Capabilities {
        sms: false,
        email: false,
        webauthn: false,
    };
    let nothing_yet = evaluate(
        &settings,
        bare,
        Some(user(false, &[], &[])),
        &passed(&[Factor::Password]),
    );
    assert_eq!(nothing_yet.next, vec![Factor::Totp]);
    assert_eq!(
        nothing_yet.allowed_to_setup,
        vec![Factor::Totp, Factor::BackupCode]
    );
    // A phone enrolled while SMS worked: still the person's opt-in, no longer offered — and no
    // setup is due, so a password alone cannot enrol a new factor in its place.
    let sms_only = evaluate(
        &settings,
        bare,
        Some(user(false, &[], &[Factor::OtpSms])),
        &passed(&[Factor::Password]),
    );
    assert!(sms_only.already_setup.is_empty());
    assert!(!sms_only.satisfied && !sms_only.setup_required);
    assert!(sms_only.next.is_empty());
    assert!(!may_set_up_in_session(&sms_only, Factor::Totp));
    // A backup code stands in for the phone; then the person may set up a factor that works.
    let recovered = evaluate(
        &settings,
        bare,
        Some(user(false, &[], &[Factor::OtpSms, Factor::BackupCode])),
        &passed(&[Factor::Password, Factor::BackupCode]),
    );
    assert!(recovered.satisfied && may_set_up_in_session(&recovered, Factor::Totp));
    let mut named = settings.clone();
    named.mfa.require = Some(Requirement::parse(&json!({"oneOf": ["otp-sms", "totp"]})).unwrap());
    let info = evaluate(
        &named,
        bare,
        Some(user(false, &[], &[Factor::Totp, Factor::OtpSms])),
        &passed(&[Factor::Password]),
    );
    assert_eq!(info.next, vec![Factor::Totp]);
    let all = evaluate(
        &settings,
        Capabilities::ALL,
        Some(user(false, &[], &[])),
        &passed(&[Factor::Password]),
    );
    assert_eq!(
        all.next,
        vec![
            Factor::Totp,
            Factor::Webauthn,
            Factor::Passkey,
            Factor::OtpEmail,
            Factor::OtpSms
        ]
    );
}

#[test]
fn mfa_enabled_needs_any_one_active_second_factor() {
    let settings = LoginSettings::default();
    let alice = user(true, &[], &[Factor::Totp, Factor::BackupCode]);
    let info = evaluate(
        &settings,
        Capabilities::ALL,
        Some(alice),
        &passed(&[Factor::Password]),
    );
    assert!(!info.satisfied && !info.setup_required);
    assert_eq!(info.next, vec![Factor::Totp, Factor::BackupCode]);
    let info = evaluate(
        &settings,
        Capabilities::ALL,
        Some(alice),
        &passed(&[Factor::Password, Factor::Totp]),
    );
    assert!(info.satisfied);
}

#[test]
fn tenant_always_with_nothing_set_up_requires_setup_first() {
    let settings = LoginSettings {
        mfa: crate::settings::MfaPolicy {
            mode: TenantMfaMode::Always,
            ..Default::default()
        },
        ..LoginSettings::default()
    };
    let totp_only = Capabilities {
        sms: false,
        email: false,
        webauthn: false,
    };
    let info = evaluate(
        &settings,
        totp_only,
        Some(user(false, &[], &[])),
        &passed(&[Factor::Password]),
    );
    assert!(!info.satisfied && info.setup_required);
    assert_eq!(info.next, vec![Factor::Totp]);
    assert!(may_set_up_in_session(&info, Factor::Totp));
    assert!(!may_set_up_in_session(&info, Factor::BackupCode));
}

#[test]
fn with_a_factor_set_up_nothing_else_may_be_enrolled_before_using_it() {
    let settings = LoginSettings::default();
    let info = evaluate(
        &settings,
        Capabilities::ALL,
        Some(user(true, &[], &[Factor::Totp])),
        &passed(&[Factor::Password]),
    );
    assert!(!info.setup_required);
    assert!(!may_set_up_in_session(&info, Factor::Totp));
    assert!(!may_set_up_in_session(&info, Factor::BackupCode));
    let done = evaluate(
        &settings,
        Capabilities::ALL,
        Some(user(true, &[], &[Factor::Totp])),
        &passed(&[Factor::Password, Factor::Totp]),
    );
    assert!(may_set_up_in_session(&done, Factor::BackupCode));
}

#[test]
fn before_the_first_factor_nothing_may_be_enrolled() {
    let settings = LoginSettings::default();
    let info = evaluate(
        &settings,
        Capabilities::ALL,
        Some(user(true, &[], &[])),
        &passed(&[]),
    );
    assert!(!info.satisfied);
    assert!(!may_set_up_in_session(&info, Factor::Totp));
}

#[test]
fn a_tenant_expression_and_user_required_factors_must_both_hold() {
    let mut settings = LoginSettings::default();
    settings.second_factors = vec![Factor::Totp, Factor::OtpEmail, Factor::BackupCode];
    settings.mfa.mode = TenantMfaMode::Always;
    settings.mfa.require =
        Some(Requirement::parse(&json!({"oneOf": ["totp", "otp-email"]})).unwrap());
    let active = [Factor::Totp, Factor::OtpEmail];
    let bob = user(false, &[Factor::OtpEmail], &active);
    let only_totp = evaluate(
        &settings,
        Capabilities::ALL,
        Some(bob),
        &passed(&[Factor::Password, Factor::Totp]),
    );
    assert!(!only_totp.satisfied);
    assert_eq!(only_totp.next, vec![Factor::OtpEmail]);
    let both = evaluate(
        &settings,
        Capabilities::ALL,
        Some(bob),
        &passed(&[Factor::Password, Factor::Totp, Factor::OtpEmail]),
    );
    assert!(both.satisfied);
}

#[test]
fn a_backup_code_stands_in_for_exactly_one_factor() {
    let mut settings = LoginSettings::default();
    settings.second_factors = vec![Factor::Totp, Factor::Webauthn, Factor::BackupCode];
    let active = [Factor::Totp, Factor::Webauthn, Factor::BackupCode];
    let one = user(false, &[Factor::Totp], &active);
    assert!(
        evaluate(
            &settings,
            Capabilities::ALL,
            Some(one),
            &passed(&[Factor::Password, Factor::BackupCode])
        )
        .satisfied
    );
    settings.mfa.require = Some(Requirement::parse(&json!(["totp", "webauthn"])).unwrap());
    let two = user(true, &[], &active);
    assert!(
        !evaluate(
            &settings,
            Capabilities::ALL,
            Some(two),
            &passed(&[Factor::Password, Factor::BackupCode])
        )
        .satisfied
    );
    let with_key = passed(&[Factor::Password, Factor::Webauthn, Factor::BackupCode]);
    assert!(evaluate(&settings, Capabilities::ALL, Some(two), &with_key).satisfied);
}

#[test]
fn factors_the_tenant_disallows_do_not_count_as_set_up() {
    let settings = LoginSettings {
        second_factors: vec![Factor::BackupCode],
        ..LoginSettings::default()
    };
    let info = evaluate(
        &settings,
        Capabilities::ALL,
        Some(user(true, &[], &[Factor::Totp])),
        &passed(&[Factor::Password]),
    );
    assert!(info.already_setup.is_empty());
    assert!(!info.satisfied);
}

#[test]
fn the_last_second_factor_of_an_mfa_user_cannot_be_removed() {
    let settings = LoginSettings::default();
    let alice = user(true, &[], &[Factor::Totp]);
    assert!(!may_remove(&settings, &alice, &[]));
    assert!(!may_remove(&settings, &alice, &[Factor::BackupCode]));
    assert!(may_remove(&settings, &alice, &[Factor::Totp]));
    assert!(may_remove(
        &settings,
        &user(false, &[], &[Factor::Totp]),
        &[]
    ));
}

/// Factors this server runs; one that cannot run leaves a sign-in waiting with nothing next
/// (`what_the_server_cannot_deliver_is_never_offered`), which the property below excludes.
fn any_factor() -> impl Strategy<Value = Factor> {
    let runs: Vec<Factor> = Factor::ALL
        .into_iter()
        .filter(|f| Capabilities::ALL.runs(*f))
        .collect();
    prop::sample::select(runs)
}

proptest! {
    /// Satisfied and "something is next" are exclusive, and passing everything next eventually
    /// satisfies a sign-in with a first factor.
    #[test]
    fn next_is_empty_exactly_when_satisfied(
        mfa_enabled in any::<bool>(),
        required in prop::collection::vec(any_factor().prop_filter("second", |f| f.is_second_factor()), 0..3),
        active in prop::collection::vec(any_factor(), 0..4),
        checked in prop::collection::vec(any_factor(), 0..4),
    ) {
        let mut settings = LoginSettings::default();
        settings.second_factors = Factor::ALL.into_iter().filter(|f| f.is_second_factor()).collect();
        let u = user(mfa_enabled, &required, &active);
        let mut checks = passed(&checked);
        checks.insert(Factor::Password, UnixTime(-1));
        let info = evaluate(&settings, Capabilities::ALL, Some(u), &checks);
        if !info.satisfied && !info.setup_required {
            prop_assert!(!info.next.is_empty());
            let mut all = checks.clone();
            for (i, f) in Factor::ALL.iter().enumerate() {
                all.insert(*f, UnixTime(100 + i as i64));
            }
            prop_assert!(evaluate(&settings, Capabilities::ALL, Some(u), &all).satisfied);
        }
        if info.satisfied {
            prop_assert!(info.next.is_empty());
        }
    }
}

#[test]
fn before_the_first_factor_a_known_user_looks_like_anyone() {
    let settings = LoginSettings::default();
    let known = evaluate(
        &settings,
        Capabilities::ALL,
        Some(user(true, &[Factor::Totp], &[Factor::Totp])),
        &passed(&[]),
    );
    let unknown = evaluate(
        &settings,
        Capabilities::ALL,
        Some(user(false, &[], &[])),
        &passed(&[]),
    );
    assert_eq!(known, unknown);
}
