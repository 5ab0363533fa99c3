use super::*;
use serde_json::json;

#[test]
fn partial_settings_fill_in_defaults_and_validate() {
    let settings: LoginSettings =
        serde_json::from_value(json!({"mfa": {"mode": "always"}})).unwrap();
    assert_eq!(settings.mfa.mode, TenantMfaMode::Always);
    assert_eq!(settings.lockout.max_attempts, 5);
    settings.validate().unwrap();
}

#[test]
fn every_lockout_type_and_mode_the_domain_models_is_served() {
    for served in ["suspend", "block", "security_questions", "captcha"] {
        let settings: LoginSettings =
            serde_json::from_value(json!({"lockout": {"mode": served}})).unwrap();
        assert!(settings.validate_on(Capabilities::ALL).is_ok(), "{served}");
    }
    let prompt: LoginSettings = serde_json::from_value(json!({"mfa": {"mode": "prompt"}})).unwrap();
    assert!(prompt.validate_on(Capabilities::ALL).is_ok());
    // Passwordless TOTP is served (off by default).
    let totp_first: LoginSettings =
        serde_json::from_value(json!({"first_factors": ["password", "totp"]})).unwrap();
    assert!(totp_first.validate_on(Capabilities::ALL).is_ok());
    assert!(
        !LoginSettings::default()
            .first_factors
            .contains(&Factor::Totp)
    );
}

#[test]
fn unknown_fields_and_bad_values_are_refused() {
    assert!(serde_json::from_value::<LoginSettings>(json!({"mfa_mode": "always"})).is_err());
    assert!(
        serde_json::from_value::<LoginSettings>(json!({"mfa": {"mode": "sometimes"}})).is_err()
    );
    let bad_require = json!({"mfa": {"require": {"oneOf": ["sms"]}}});
    assert!(serde_json::from_value::<LoginSettings>(bad_require).is_err());
    let not_enabled: LoginSettings =
        serde_json::from_value(json!({"mfa": {"require": "push"}})).unwrap();
    assert!(not_enabled.validate().is_err());
    let zero = LoginSettings {
        password_check_lifetime: 0,
        ..LoginSettings::default()
    };
    assert!(zero.validate().is_err());
}

#[test]
fn second_factors_are_a_menu_but_first_factors_and_the_requirement_must_run() {
    let bare = Capabilities {
        sms: false,
        email: false,
        webauthn: false,
    };
    assert!(LoginSettings::default().validate_on(bare).is_ok());
    let passwordless = LoginSettings {
        first_factors: vec![Factor::Password, Factor::Passkey],
        ..LoginSettings::default()
    };
    assert!(passwordless.validate_on(bare).is_err());
    assert!(passwordless.validate_on(Capabilities::ALL).is_ok());
    let mut sms_required = LoginSettings::default();
    sms_required.mfa.require = Some(Requirement::Factor(Factor::OtpSms));
    assert!(sms_required.validate_on(bare).is_err());
    assert!(sms_required.validate_on(Capabilities::ALL).is_ok());
}
