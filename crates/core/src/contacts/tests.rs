use super::*;
use crate::lockout::Counter;

fn alice() -> User {
    User {
        id: "u".into(),
        tenant_id: "t".into(),
        username: "alice".into(),
        email: Some("alice@example.com".into()),
        email_verified: true,
        phone: Some("+41791234567".into()),
        phone_verified: false,
        language: None,
        password_hash: None,
        mfa_enabled: false,
        required_factors: vec![],
        second_factor: Counter::default(),
        password: Counter::default(),
        created_at: UnixTime(10),
        updated_at: UnixTime(10),
    }
}

fn extra(id: &str, channel: Channel, value: &str, verified: bool, at: i64) -> Contact {
    Contact {
        id: id.into(),
        channel,
        value: value.into(),
        verified,
        created_at: UnixTime(at),
    }
}

fn contacts() -> Vec<Contact> {
    all_contacts(
        &alice(),
        &[
            extra("m2", Channel::Email, "work@corp.example", true, 20),
            extra("m3", Channel::Sms, "+41781112233", true, 30),
            extra("m4", Channel::Sms, "+41785556677", true, 25),
            extra("m5", Channel::Email, "new@corp.example", false, 40),
        ],
    )
}

#[test]
fn the_primary_contacts_come_first_under_fixed_ids() {
    let all = contacts();
    let ids: Vec<&str> = all.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        ["primary-email", "primary-phone", "m2", "m3", "m4", "m5"]
    );
}

#[test]
fn a_medium_id_picks_where_the_code_goes_if_it_fits_and_is_verified() {
    let all = contacts();
    let chosen = choose_medium(&all, Channel::Email, Some("m2")).unwrap();
    assert_eq!(chosen.value, "work@corp.example");
    assert_eq!(
        choose_medium(&all, Channel::Email, Some("m3")),
        Err(MediumError::WrongChannel {
            id: "m3".into(),
            expected: "email address"
        })
    );
    assert_eq!(
        choose_medium(&all, Channel::Email, Some("m5")),
        Err(MediumError::Unverified("m5".into()))
    );
    assert_eq!(
        choose_medium(&all, Channel::Sms, Some("nope")),
        Err(MediumError::Unknown("nope".into()))
    );
}

#[test]
fn without_a_medium_id_the_primary_goes_first_else_the_oldest_verified() {
    let all = contacts();
    assert_eq!(
        choose_medium(&all, Channel::Email, None).unwrap().id,
        PRIMARY_EMAIL
    );
    // The primary phone is unverified: the oldest verified other one.
    assert_eq!(choose_medium(&all, Channel::Sms, None).unwrap().id, "m4");
    let none = all_contacts(
        &User {
            phone: None,
            ..alice()
        },
        &[],
    );
    assert_eq!(
        choose_medium(&none, Channel::Sms, None),
        Err(MediumError::NoneVerified("phone number"))
    );
}

#[test]
fn the_info_lists_verified_contacts_masked_once_a_first_factor_counts() {
    let mut info = MfaInfo {
        satisfied: false,
        first_factor_passed: false,
        mfa_required: true,
        setup_required: false,
        next: vec![],
        already_setup: vec![],
        allowed_to_setup: vec![],
        setup_skippable: false,
        setup_skipped_until: None,
    };
    assert!(masked_for(&info, &contacts()).is_empty());
    info.first_factor_passed = true;
    let listed = masked_for(&info, &contacts());
    let shown: Vec<(&str, &str, &str)> = listed
        .iter()
        .map(|c| (c.medium_id.as_str(), c.channel, c.masked.as_str()))
        .collect();
    assert_eq!(
        shown,
        [
            ("primary-email", "email", "a***e@e*****e.com"),
            ("m2", "email", "w***k@c**p.example"),
            ("m3", "sms", "+41*******33"),
            ("m4", "sms", "+41*******77"),
        ]
    );
}

#[test]
fn a_new_contact_is_normalised_and_neither_repeated_nor_one_too_many() {
    let all = contacts();
    assert_eq!(
        check_new(&all, Channel::Email, " Other@Example.COM ").unwrap(),
        "other@example.com"
    );
    assert!(check_new(&all, Channel::Email, "WORK@corp.example").is_err());
    assert!(check_new(&all, Channel::Sms, "+41 78 111 22 33").is_err());
    assert!(check_new(&all, Channel::Sms, "0791234567").is_err());
    let full: Vec<Contact> = (0..MAX_PER_KIND)
        .map(|i| {
            extra(
                &format!("e{i}"),
                Channel::Email,
                &format!("a{i}@x.example"),
                true,
                1,
            )
        })
        .collect();
    assert!(matches!(
        check_new(&full, Channel::Email, "b@x.example"),
        Err(DomainError::Limit(_))
    ));
    assert!(check_new(&full, Channel::Sms, "+41791234567").is_ok());
}
