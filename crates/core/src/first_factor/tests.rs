use serde_json::json;

use super::*;
use crate::UnixTime;
use crate::mfa_info::{UserMfa, evaluate};

fn passwordless_totp() -> LoginSettings {
    LoginSettings {
        first_factors: vec![Factor::Password, Factor::Totp],
        ..LoginSettings::default()
    }
}

fn checks(items: &[(Factor, i64)]) -> PassedChecks {
    items.iter().map(|(f, t)| (*f, UnixTime(*t))).collect()
}

fn user(mfa_enabled: bool, active: &[Factor]) -> UserMfa<'_> {
    UserMfa {
        mfa_enabled,
        required_factors: &[],
        active_factors: active,
    }
}

#[test]
fn totp_opens_a_sign_in_only_where_it_is_listed_and_never_by_default() {
    let defaults = LoginSettings::default();
    assert!(!defaults.first_factors.contains(&Factor::Totp));
    assert_eq!(
        first_factor_gate(&defaults, Factor::Totp),
        FirstFactorGate::NotEnabled
    );
    let settings = passwordless_totp();
    assert!(settings.validate().is_ok());
    assert_eq!(
        first_factor_gate(&settings, Factor::Totp),
        FirstFactorGate::Allowed
    );
    assert_eq!(
        first_factor_gate(&settings, Factor::OtpSms),
        FirstFactorGate::NotAFirstFactor
    );
    assert_eq!(
        first_factor_gate(&settings, Factor::Password),
        FirstFactorGate::Allowed
    );
}

#[test]
fn totp_as_a_first_factor_needs_enrolment_and_another_way_in() {
    let mut only_totp = passwordless_totp();
    only_totp.first_factors = vec![Factor::Totp];
    assert!(only_totp.validate().is_err());
    let mut not_offered = passwordless_totp();
    not_offered.second_factors.retain(|f| *f != Factor::Totp);
    assert!(not_offered.validate().is_err());
    assert!(
        serde_json::from_value::<LoginSettings>(json!({"first_factors": ["otp-sms"]}))
            .unwrap()
            .validate()
            .is_err()
    );
}

#[test]
fn a_failed_check_before_any_first_factor_is_throttled_like_a_password() {
    assert_eq!(budget_of(Factor::Totp, false), Budget::Password);
    assert_eq!(budget_of(Factor::Totp, true), Budget::SecondFactor);
    assert_eq!(budget_of(Factor::Password, true), Budget::Password);
}

#[test]
fn a_totp_code_alone_signs_in_someone_nobody_asks_more_of() {
    let mut settings = passwordless_totp();
    settings.mfa.enrolled_factors_required = false;
    let active = [Factor::Totp];
    let info = evaluate(
        &settings,
        Capabilities::ALL,
        Some(user(false, &active)),
        &checks(&[(Factor::Totp, 5)]),
    );
    assert!(info.first_factor_passed && info.satisfied);
    // The same code where TOTP is no first factor opens nothing.
    let info = evaluate(
        &LoginSettings::default(),
        Capabilities::ALL,
        Some(user(false, &active)),
        &checks(&[(Factor::Totp, 5)]),
    );
    assert!(!info.first_factor_passed && !info.satisfied);
}

#[test]
fn where_mfa_applies_the_code_that_opened_the_sign_in_is_not_also_its_second_factor() {
    let settings = passwordless_totp();
    let active = [Factor::Totp];
    let alice = user(true, &active);
    let opened = checks(&[(Factor::Totp, 5)]);
    let info = evaluate(&settings, Capabilities::ALL, Some(alice), &opened);
    assert!(info.first_factor_passed && !info.satisfied && !info.setup_required);
    assert_eq!(info.next, vec![Factor::Password]);
    let both = checks(&[(Factor::Totp, 5), (Factor::Password, 9)]);
    assert!(evaluate(&settings, Capabilities::ALL, Some(alice), &both).satisfied);
    assert!(opened_by_totp_alone(&settings, &opened));
    assert!(!opened_by_totp_alone(&settings, &both));
    assert!(!for_second_factors(&settings, &opened).contains_key(&Factor::Totp));
    assert!(for_second_factors(&settings, &both).contains_key(&Factor::Totp));
}

#[test]
fn the_methods_are_the_same_for_every_name() {
    let settings = passwordless_totp();
    let methods = sign_in_methods(&settings, Capabilities::ALL);
    assert_eq!(methods.first_factors, vec![Factor::Password, Factor::Totp]);
    let bare = Capabilities {
        sms: false,
        email: false,
        webauthn: false,
    };
    let mut with_passkey = settings.clone();
    with_passkey.first_factors.push(Factor::Passkey);
    assert_eq!(
        sign_in_methods(&with_passkey, bare).first_factors,
        vec![Factor::Password, Factor::Totp],
        "a passkey is not offered where it cannot run"
    );
    assert_eq!(
        serde_json::to_value(&methods).unwrap(),
        json!({"first_factors": ["password", "totp"]})
    );
}

#[test]
fn an_app_may_turn_totp_sign_in_on_for_itself() {
    let tenant = LoginSettings::default();
    let app: AppMfa =
        serde_json::from_value(json!({"first_factors": ["password", "totp"]})).unwrap();
    assert!(app.validate().is_ok());
    let effective = settings_for_app(&tenant, Some(&app));
    assert_eq!(
        effective.first_factors,
        vec![Factor::Password, Factor::Totp]
    );
    assert_eq!(settings_for_app(&tenant, None), tenant);
    assert_eq!(settings_for_app(&tenant, Some(&AppMfa::default())), tenant);
    let alone: AppMfa = serde_json::from_value(json!({"first_factors": ["totp"]})).unwrap();
    assert!(alone.validate().is_err());
    let sms: AppMfa = serde_json::from_value(json!({"first_factors": ["otp-sms"]})).unwrap();
    assert!(sms.validate().is_err());
}
