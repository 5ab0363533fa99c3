use data_encoding::BASE64URL_NOPAD;
use ed25519_dalek::Signer as _;
use proptest::prelude::*;
use serde_json::json;

use super::exchange::PushCheck;
use super::*;
use crate::UnixTime;
use crate::settings::LoginSettings;

const NOW: UnixTime = UnixTime(1_000_000);

/// A device's two kinds of key, made in the test from fixed secret bytes.
enum Device {
    P256(p256::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
}

impl Device {
    fn p256(seed: u8) -> Device {
        Device::P256(p256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap())
    }

    fn ed25519(seed: u8) -> Device {
        Device::Ed25519(ed25519_dalek::SigningKey::from_bytes(&[seed; 32]))
    }

    fn jwk(&self) -> serde_json::Value {
        match self {
            Device::P256(key) => {
                let sec1 = key.verifying_key().to_sec1_bytes();
                json!({"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig",
                       "x": BASE64URL_NOPAD.encode(&sec1[1..33]),
                       "y": BASE64URL_NOPAD.encode(&sec1[33..65])})
            }
            Device::Ed25519(key) => json!({"kty": "OKP", "crv": "Ed25519",
                "x": BASE64URL_NOPAD.encode(key.verifying_key().as_bytes())}),
        }
    }

    fn sign(&self, message: &[u8]) -> String {
        match self {
            Device::P256(key) => {
                let sig: p256::ecdsa::Signature = key.sign(message);
                BASE64URL_NOPAD.encode(&sig.to_bytes())
            }
            Device::Ed25519(key) => BASE64URL_NOPAD.encode(&key.sign(message).to_bytes()),
        }
    }
}

#[test]
fn both_kinds_of_device_key_verify_their_own_signatures_and_no_one_elses() {
    for (device, other) in [
        (Device::p256(1), Device::p256(2)),
        (Device::ed25519(1), Device::ed25519(2)),
    ] {
        let key = DeviceKey::from_jwk(&device.jwk()).unwrap();
        let message = enrolment_bytes("auth-1", "challenge-xyz").unwrap();
        let signature = device.sign(&message);
        assert!(key.verify(&message, &signature));
        assert!(!key.verify(b"another message", &signature));
        assert!(!key.verify(&message, &other.sign(&message)));
        assert!(!key.verify(&message, "not base64!"));
        assert!(!key.verify(&message, ""));
        assert_eq!(DeviceKey::from_jwk(&key.to_jwk()).unwrap(), key);
        assert_eq!(key.thumbprint().len(), 43);
    }
}

#[test]
fn the_thumbprint_is_rfc_7638s() {
    // RFC 8037 appendix A.3: the thumbprint of its Ed25519 example key.
    let jwk = json!({"kty": "OKP", "crv": "Ed25519",
                     "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"});
    assert_eq!(
        DeviceKey::from_jwk(&jwk).unwrap().thumbprint(),
        "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    );
}

#[test]
fn a_jwk_is_refused_for_each_thing_wrong_with_it() {
    let good = Device::p256(3).jwk();
    let with = |key: &str, value: serde_json::Value| {
        let mut jwk = good.clone();
        jwk[key] = value;
        DeviceKey::from_jwk(&jwk)
    };
    assert_eq!(with("d", json!("AAAA")), Err(KeyError::Private));
    assert_eq!(with("crv", json!("P-384")), Err(KeyError::Unsupported));
    assert_eq!(with("kty", json!("RSA")), Err(KeyError::Unsupported));
    assert_eq!(with("alg", json!("RS256")), Err(KeyError::Mismatch));
    assert_eq!(with("use", json!("enc")), Err(KeyError::Mismatch));
    assert_eq!(with("x", json!("AAAA")), Err(KeyError::BadMember("x")));
    // Right lengths, but no point of the curve.
    let zeros = BASE64URL_NOPAD.encode(&[0u8; 32]);
    assert_eq!(with("y", json!(zeros)), Err(KeyError::NotOnCurve));
    assert_eq!(
        DeviceKey::from_jwk(&json!("key")),
        Err(KeyError::NotAnObject)
    );
    // The identity point is a weak Ed25519 key: any signature would do for it.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let weak = json!({"kty": "OKP", "crv": "Ed25519", "x": BASE64URL_NOPAD.encode(&identity)});
    assert_eq!(DeviceKey::from_jwk(&weak), Err(KeyError::NotOnCurve));
}

#[test]
fn each_purpose_signs_different_bytes_and_fields_stay_one_line() {
    let enrol = enrolment_bytes("a1", "c").unwrap();
    assert_eq!(enrol, b"twofold-push-v1\nenrol\na1\nc".to_vec());
    assert_eq!(
        pending_bytes("a1", UnixTime(1_700_000_000)).unwrap(),
        b"twofold-push-v1\npending\na1\n1700000000".to_vec()
    );
    assert_eq!(
        answer_bytes("a1", "x9", PushDecision::Approve, 42, true).unwrap(),
        b"twofold-push-v1\nanswer\na1\nx9\napprove\n42\nuv=1".to_vec()
    );
    assert!(answer_bytes("a1", "x9\napprove", PushDecision::Deny, 42, false).is_err());
    assert!(enrolment_bytes("", "c").is_err());
    // A signed answer is no signed fetch.
    let device = Device::ed25519(4);
    let key = DeviceKey::from_jwk(&device.jwk()).unwrap();
    let answer = answer_bytes("a1", "x9", PushDecision::Approve, 42, false).unwrap();
    let signature = device.sign(&answer);
    let deny = answer_bytes("a1", "x9", PushDecision::Deny, 42, false).unwrap();
    assert!(!key.verify(&deny, &signature));
}

#[test]
fn a_signed_fetch_is_fresh_for_a_minute_either_way() {
    assert!(fresh_request(NOW.minus_seconds(60), NOW));
    assert!(fresh_request(NOW.plus_seconds(60), NOW));
    assert!(!fresh_request(NOW.minus_seconds(61), NOW));
    assert!(!fresh_request(NOW.plus_seconds(61), NOW));
}

fn exchange() -> PushExchange {
    PushExchange::new(
        "x1".into(),
        "u1".into(),
        "a1".into(),
        "s1".into(),
        42,
        NOW,
        &PushPolicy::default(),
    )
}

#[test]
fn an_approval_with_the_right_number_passes_and_says_how_the_person_was_verified() {
    let x = exchange();
    assert_eq!(x.expires_at, NOW.plus_seconds(60));
    assert_eq!(
        x.check(NOW),
        PushCheck::Waiting {
            expires_at: x.expires_at
        }
    );
    assert!(x.is_pending_for("a1", NOW));
    assert!(!x.is_pending_for("a2", NOW));
    let outcome = x.answer(PushDecision::Approve, 42, true, NOW.plus_seconds(59));
    assert_eq!(
        outcome,
        AnswerOutcome::Recorded(PushState::Approved {
            user_verified: true
        })
    );
    let answered = PushExchange {
        state: PushState::Approved {
            user_verified: true,
        },
        ..x
    };
    assert_eq!(
        answered.check(NOW.plus_seconds(600)),
        PushCheck::Passed {
            user_verified: true
        }
    );
    assert_eq!(
        answered.answer(PushDecision::Deny, 0, false, NOW),
        AnswerOutcome::AlreadyAnswered
    );
}

#[test]
fn a_wrong_number_is_a_failure_a_denial_is_not_and_both_end_the_exchange() {
    let x = exchange();
    let AnswerOutcome::Recorded(wrong) = x.answer(PushDecision::Approve, 24, true, NOW) else {
        panic!("recorded");
    };
    assert_eq!(wrong, PushState::WrongNumber);
    assert!(wrong.counts_as_failure() && wrong.counts_towards_fatigue());
    let AnswerOutcome::Recorded(denied) = x.answer(PushDecision::Deny, 0, false, NOW) else {
        panic!("recorded");
    };
    assert_eq!(denied, PushState::Denied);
    assert!(!denied.counts_as_failure() && denied.counts_towards_fatigue());
    let ended = PushExchange {
        state: wrong,
        ..exchange()
    };
    assert_eq!(ended.check(NOW), PushCheck::WrongNumber);
}

#[test]
fn an_answer_at_the_expiry_is_too_late() {
    let x = exchange();
    assert_eq!(
        x.answer(PushDecision::Approve, 42, false, x.expires_at),
        AnswerOutcome::Expired
    );
    assert_eq!(x.check(x.expires_at), PushCheck::Expired);
    assert!(x.is_expired(x.expires_at));
    assert!(!x.is_pending_for("a1", x.expires_at));
}

#[test]
fn one_push_is_pending_at_a_time() {
    let f = FatiguePolicy::default();
    assert_eq!(push_gate(&f, None, &[], NOW), PushGate::Allowed);
    let expires_at = NOW.plus_seconds(30);
    assert_eq!(
        push_gate(&f, Some(expires_at), &[], NOW),
        PushGate::Pending { expires_at }
    );
    assert_eq!(push_gate(&f, Some(NOW), &[], NOW), PushGate::Allowed);
}

#[test]
fn three_refused_pushes_within_an_hour_pause_push_until_the_first_leaves_the_hour() {
    let f = FatiguePolicy::default();
    let two = [NOW.minus_seconds(100), NOW.minus_seconds(50)];
    assert_eq!(fatigue_pause(&f, &two, NOW), None);
    let three = [two[0], two[1], NOW];
    let until = NOW.minus_seconds(100).plus_seconds(3600);
    assert_eq!(fatigue_pause(&f, &three, NOW), Some(until));
    assert_eq!(
        push_gate(&f, Some(NOW.plus_seconds(30)), &three, NOW),
        PushGate::Paused { until }
    );
    assert_eq!(fatigue_pause(&f, &three, until), None);
    // Older than the hour: forgotten.
    let old = [NOW.minus_seconds(3600), two[0], two[1]];
    assert_eq!(fatigue_pause(&f, &old, NOW), None);
}

proptest! {
    #[test]
    fn a_pause_holds_until_it_ends_and_no_longer(
        offsets in proptest::collection::vec(0u64..7200, 0..12)
    ) {
        let f = FatiguePolicy::default();
        let refusals: Vec<UnixTime> = offsets.iter().map(|o| NOW.minus_seconds(*o)).collect();
        if let Some(until) = fatigue_pause(&f, &refusals, NOW) {
            prop_assert!(until > NOW);
            prop_assert!(fatigue_pause(&f, &refusals, until.minus_seconds(1)).is_some());
            prop_assert_eq!(fatigue_pause(&f, &refusals, until), None);
        } else {
            let recent = offsets.iter().filter(|o| **o < 3600).count();
            prop_assert!(recent < 3);
        }
    }

    #[test]
    fn the_number_shown_is_always_two_digits(random in any::<[u8; 4]>()) {
        prop_assert!((10..=99).contains(&number_to_show(&random)));
    }
}

#[test]
fn the_enrolment_uri_round_trips_and_refuses_what_a_device_must_not_follow() {
    let uri = EnrolmentUri {
        server: "https://mfa.example.com/base".into(),
        tenant: "acme corp".into(),
        code: "tfe_abc-DEF_123".into(),
        name: Some("Jürg".into()),
    };
    let text = uri.to_uri();
    assert_eq!(
        text,
        "twofold-push://enrol?v=1&server=https%3A%2F%2Fmfa.example.com%2Fbase&tenant=acme%20corp&code=tfe_abc-DEF_123&name=J%C3%BCrg"
    );
    assert_eq!(EnrolmentUri::parse(&text), Ok(uri.clone()));
    assert!(!format!("{uri:?}").contains("tfe_"));
    let local =
        "twofold-push://enrol?v=1&server=http%3A%2F%2F127.0.0.1%3A8080&tenant=t&code=tfe_x&later=1";
    assert_eq!(
        EnrolmentUri::parse(local).unwrap().server,
        "http://127.0.0.1:8080"
    );
    let cases = [
        ("https://example.com", UriError::NotEnrolment),
        ("twofold-push://enrol?v=2", UriError::Version("2".into())),
        ("twofold-push://enrol?server=x", UriError::Missing("v")),
        (
            "twofold-push://enrol?v=1&server=http%3A%2F%2Fevil.example&tenant=t&code=tfe_x",
            UriError::Server,
        ),
        (
            "twofold-push://enrol?v=1&server=https%3A%2F%2Fa.example&tenant=t&code=tfs_x",
            UriError::Code,
        ),
        (
            "twofold-push://enrol?v=1&v=1&server=https%3A%2F%2Fa.example&tenant=t&code=tfe_x",
            UriError::Malformed("v".into()),
        ),
        (
            "twofold-push://enrol?v=1&server=https%3A%2F%2Fa.example&code=tfe_x",
            UriError::Missing("tenant"),
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(EnrolmentUri::parse(text), Err(expected), "{text}");
    }
}

#[test]
fn push_settings_default_to_a_minute_and_three_refusals_an_hour() {
    let settings = LoginSettings::default();
    assert_eq!(settings.push.ttl_seconds, 60);
    assert_eq!(settings.push.fatigue.max_unanswered, 3);
    assert_eq!(settings.push.fatigue.window_seconds, 3600);
    let patched = settings
        .patched(&json!({"push": {"gateway_url": "https://push.example.com/notify"}}))
        .unwrap();
    assert!(patched.validate().is_ok());
    let loopback = settings.patched(&json!({"push": {"gateway_url": "http://127.0.0.1:9/push"}}));
    assert!(loopback.unwrap().validate().is_ok());
    for bad in [
        json!({"push": {"gateway_url": "https://user@push.example.com"}}),
        json!({"push": {"gateway_url": "http://push.example.com"}}),
        json!({"push": {"ttl_seconds": 5}}),
        json!({"push": {"fatigue": {"max_unanswered": 0}}}),
    ] {
        let s = settings.patched(&bad).unwrap();
        assert!(s.validate().is_err(), "{bad}");
    }
}
