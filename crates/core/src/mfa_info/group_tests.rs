//! Groups and prompt mode: the strictest of every policy holds, and prompt mode asks a user with
//! no second factor to set one up, which they may skip for a while.
#![allow(clippy::field_reassign_with_default)]

use serde_json::json;

use super::tests::{passed, user};
use super::*;
use crate::capabilities::Capabilities;

const NOW: UnixTime = UnixTime(1_000_000);

fn group(v: serde_json::Value) -> GroupMfa {
    serde_json::from_value(v).unwrap()
}

fn in_groups<'a>(groups: &'a [GroupMfa]) -> Context<'a> {
    Context {
        groups,
        setup_skipped_until: None,
        now: NOW,
    }
}

fn open_tenant() -> LoginSettings {
    let mut settings = LoginSettings::default();
    settings.mfa.enrolled_factors_required = false;
    settings
}

#[test]
fn a_group_that_requires_mfa_requires_it_of_every_member() {
    let settings = open_tenant();
    let carol = user(false, &[], &[Factor::Totp]);
    let signed_in = passed(&[Factor::Password]);
    let alone = evaluate_in(
        &settings,
        Capabilities::ALL,
        None,
        Some(carol),
        &in_groups(&[]),
        &signed_in,
    );
    assert!(alone.satisfied);
    let finance = [GroupMfa::default(), group(json!({"required": true}))];
    let member = evaluate_in(
        &settings,
        Capabilities::ALL,
        None,
        Some(carol),
        &in_groups(&finance),
        &signed_in,
    );
    assert!(!member.satisfied && member.mfa_required);
    assert_eq!(member.next, vec![Factor::Totp]);
}

#[test]
fn the_strictest_wins_every_stated_requirement_must_hold() {
    let mut settings = open_tenant();
    settings.mfa.mode = TenantMfaMode::Always;
    settings.mfa.require = Some(Requirement::Factor(Factor::Totp));
    let dave = user(false, &[], &[Factor::Totp, Factor::Webauthn]);
    let groups = [
        group(json!({"require": "webauthn"})),
        group(json!({"require": "totp"})),
    ];
    let context = in_groups(&groups);
    let eval = |checks: &[Factor]| {
        evaluate_in(
            &settings,
            Capabilities::ALL,
            None,
            Some(dave),
            &context,
            &passed(checks),
        )
    };
    let after_totp = eval(&[Factor::Password, Factor::Totp]);
    assert!(
        !after_totp.satisfied,
        "the group's security key is still due"
    );
    assert_eq!(after_totp.next, vec![Factor::Webauthn]);
    assert!(eval(&[Factor::Password, Factor::Totp, Factor::Webauthn]).satisfied);
    // A passkey satisfies "a second factor", never a group's explicit requirement.
    let passkey = user(false, &[], &[Factor::Passkey]);
    let only_required = [group(json!({"required": true}))];
    let with_explicit = [group(json!({"require": "totp"}))];
    let passkey_passed = passed(&[Factor::Passkey]);
    let mut passwordless = open_tenant();
    passwordless.first_factors = vec![Factor::Password, Factor::Passkey];
    let run = |groups: &[GroupMfa]| {
        evaluate_in(
            &passwordless,
            Capabilities::ALL,
            None,
            Some(passkey),
            &in_groups(groups),
            &passkey_passed,
        )
    };
    assert!(run(&only_required).satisfied);
    assert!(!run(&with_explicit).satisfied);
}

#[test]
fn a_member_of_a_group_that_requires_mfa_keeps_a_second_factor() {
    let settings = open_tenant();
    let carol = user(false, &[], &[Factor::Totp]);
    let required = [group(json!({"required": true}))];
    assert!(may_remove_in(&settings, &carol, &[], &[]));
    assert!(!may_remove_in(&settings, &carol, &required, &[]));
    assert!(!may_remove_in(
        &settings,
        &carol,
        &required,
        &[Factor::BackupCode]
    ));
    assert!(may_remove_in(
        &settings,
        &carol,
        &required,
        &[Factor::Webauthn]
    ));
}

fn prompting() -> LoginSettings {
    let mut settings = LoginSettings::default();
    settings.mfa.mode = TenantMfaMode::Prompt;
    settings
}

fn prompt_eval(settings: &LoginSettings, active: &[Factor], skipped: Option<UnixTime>) -> MfaInfo {
    evaluate_in(
        settings,
        Capabilities::ALL,
        None,
        Some(user(false, &[], active)),
        &Context {
            groups: &[],
            setup_skipped_until: skipped,
            now: NOW,
        },
        &passed(&[Factor::Password]),
    )
}

#[test]
fn prompt_mode_asks_a_user_without_a_second_factor_to_set_one_up_and_lets_them_skip() {
    let settings = prompting();
    let asked = prompt_eval(&settings, &[Factor::BackupCode], None);
    assert!(!asked.satisfied && !asked.mfa_required);
    assert!(asked.setup_required && asked.setup_skippable);
    assert!(!asked.next.contains(&Factor::BackupCode));
    assert!(asked.next.contains(&Factor::Totp));
    let json = serde_json::to_value(&asked).unwrap();
    assert_eq!(json["setup_skippable"], true);
    assert!(json.get("setup_skipped_until").is_none());

    let until = skip_until(&settings, NOW);
    assert_eq!(until, NOW.plus_seconds(2_592_000));
    let skipped = prompt_eval(&settings, &[], Some(until));
    assert!(skipped.satisfied && !skipped.setup_required && !skipped.setup_skippable);
    assert_eq!(skipped.setup_skipped_until, Some(until));
    // The skip ends at its time, and the prompt comes back.
    let again = prompt_eval(&settings, &[], Some(NOW));
    assert!(again.setup_skippable && !again.satisfied);
}

#[test]
fn prompt_mode_leaves_users_with_a_factor_and_other_modes_alone() {
    let settings = prompting();
    let with_totp = prompt_eval(&settings, &[Factor::Totp], None);
    assert!(with_totp.mfa_required && !with_totp.setup_skippable);
    let off = prompt_eval(&LoginSettings::default(), &[], None);
    assert!(off.satisfied && !off.setup_skippable);
    let json = serde_json::to_value(&off).unwrap();
    assert!(
        json.get("setup_skippable").is_none(),
        "unchanged outside prompt mode"
    );
    // Forced by a group: setup is due and may not be skipped.
    let required = [group(json!({"required": true}))];
    let forced = evaluate_in(
        &settings,
        Capabilities::ALL,
        None,
        Some(user(false, &[], &[])),
        &Context {
            groups: &required,
            setup_skipped_until: Some(NOW.plus_seconds(60)),
            now: NOW,
        },
        &passed(&[Factor::Password]),
    );
    assert!(forced.setup_required && !forced.setup_skippable && !forced.satisfied);
}

#[test]
fn the_skip_lifetime_is_a_setting_of_at_most_a_year() {
    let mut settings = prompting();
    settings.mfa_init_skip_lifetime = 0;
    assert!(settings.validate().is_ok());
    assert_eq!(skip_until(&settings, NOW), NOW);
    settings.mfa_init_skip_lifetime = 31_536_001;
    assert!(settings.validate().is_err());
    let parsed: LoginSettings = serde_json::from_value(json!({"mfa": {"mode": "prompt"}})).unwrap();
    assert_eq!(parsed.mfa.mode, TenantMfaMode::Prompt);
}
