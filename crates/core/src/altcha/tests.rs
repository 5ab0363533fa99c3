use proptest::prelude::*;

use super::*;

fn key() -> AltchaKey {
    let mut bytes = [0u8; 32];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = i as u8;
    }
    AltchaKey::from_bytes(bytes)
}

const SALT: [u8; 12] = [
    0x5c, 0xa1, 0xab, 0x1e, 0x00, 0xc0, 0xff, 0xee, 0x5c, 0xa1, 0xab, 0x1e,
];
const EXPIRES: UnixTime = UnixTime(1_893_456_000);

/// Made once with PyPI's `altcha` 2.3.0 (`create_challenge_v1` with the key bytes 0..32, salt
/// `5ca1ab1e00c0ffee5ca1ab1e`, number 4321, max_number 50000, expires 1893456000; then
/// `solve_challenge_v1` and `PayloadV1(...).to_base64()`; `verify_solution_v1` accepted it).
const PYTHON_CHALLENGE: &str = "9dd7a15ffc5f0d9fe5a9aff9bbb9ecdd51b5fd278cf8cb86cd4c1c1e564f0370";
const PYTHON_SIGNATURE: &str = "904aa5162fe4abd50e06950df11ef1aaeba013049f310feaec8c49e15cc2c9b9";
const PYTHON_PAYLOAD: &str = "eyJhbGdvcml0aG0iOiAiU0hBLTI1NiIsICJjaGFsbGVuZ2UiOiAiOWRkN2ExNWZmYzVmMGQ5ZmU1YTlhZmY5YmJiOWVjZGQ1MWI1ZmQyNzhjZjhjYjg2Y2Q0YzFjMWU1NjRmMDM3MCIsICJudW1iZXIiOiA0MzIxLCAic2FsdCI6ICI1Y2ExYWIxZTAwYzBmZmVlNWNhMWFiMWU/ZXhwaXJlcz0xODkzNDU2MDAwJiIsICJzaWduYXR1cmUiOiAiOTA0YWE1MTYyZmU0YWJkNTBlMDY5NTBkZjExZWYxYWFlYmEwMTMwNDlmMzEwZmVhZWM4YzQ5ZTE1Y2MyYzliOSJ9";

const NOW: UnixTime = UnixTime(1_893_455_000);

fn payload(json: serde_json::Value) -> String {
    BASE64.encode(json.to_string().as_bytes())
}

/// What a solver does: try every number until the hash matches.
fn solve(challenge: &AltchaChallenge) -> u64 {
    (0..=challenge.maxnumber)
        .find(|n| hash_hex(&challenge.salt, *n) == challenge.challenge)
        .unwrap()
}

fn solved(challenge: &AltchaChallenge, number: u64) -> String {
    payload(serde_json::json!({
        "algorithm": challenge.algorithm,
        "challenge": challenge.challenge,
        "number": number,
        "salt": challenge.salt,
        "signature": challenge.signature,
        "took": 12,
    }))
}

#[test]
fn a_challenge_is_the_one_the_python_library_makes_from_the_same_values() {
    let challenge = create(&key(), &SALT, 4321, 50_000, EXPIRES);
    assert_eq!(challenge.algorithm, "SHA-256");
    assert_eq!(
        challenge.salt,
        "5ca1ab1e00c0ffee5ca1ab1e?expires=1893456000&"
    );
    assert_eq!(challenge.challenge, PYTHON_CHALLENGE);
    assert_eq!(challenge.signature, PYTHON_SIGNATURE);
    let json = serde_json::to_value(&challenge).unwrap();
    assert_eq!(json["maxnumber"], 50_000);
}

#[test]
fn a_payload_solved_by_the_python_library_verifies_and_names_its_challenge() {
    let solved = verify(&key(), PYTHON_PAYLOAD, 50_000, NOW).unwrap();
    assert_eq!(solved.id, PYTHON_CHALLENGE);
    assert_eq!(solved.expires, EXPIRES);
}

#[test]
fn a_payload_solved_here_verifies_and_every_solution_of_it_has_one_id() {
    let challenge = create(&key(), &[7; 12], 987_654, 1000, EXPIRES);
    let number = solve(&challenge);
    assert!(number <= 1000);
    let first = verify(&key(), &solved(&challenge, number), 1000, NOW).unwrap();
    let unpadded = BASE64_NOPAD.encode(
        &BASE64
            .decode(solved(&challenge, number).as_bytes())
            .unwrap(),
    );
    let again = verify(&key(), &unpadded, 1000, NOW).unwrap();
    assert_eq!(first.id, again.id, "a replay is recognisable by its id");
}

#[test]
fn expiry_is_the_boundary_of_the_salt() {
    assert!(verify(&key(), PYTHON_PAYLOAD, 50_000, UnixTime(EXPIRES.0 - 1)).is_ok());
    assert_eq!(
        verify(&key(), PYTHON_PAYLOAD, 50_000, EXPIRES),
        Err(AltchaError::Expired)
    );
}

#[test]
fn a_payload_is_refused_for_each_thing_wrong_with_it() {
    let challenge = create(&key(), &SALT, 4321, 50_000, EXPIRES);
    let other_key = AltchaKey::from_bytes([9; 32]);
    assert_eq!(
        verify(&other_key, PYTHON_PAYLOAD, 50_000, NOW),
        Err(AltchaError::Signature)
    );
    assert_eq!(
        verify(&key(), &solved(&challenge, 4322), 50_000, NOW),
        Err(AltchaError::NotSolved)
    );
    assert_eq!(
        verify(&key(), PYTHON_PAYLOAD, 4000, NOW),
        Err(AltchaError::OutOfRange)
    );
    let mut sha1 = challenge.clone();
    sha1.algorithm = "SHA-1".into();
    assert_eq!(
        verify(&key(), &solved(&sha1, 4321), 50_000, NOW),
        Err(AltchaError::Algorithm)
    );
    // A salt whose expiry was moved later no longer hashes to the signed challenge.
    let mut later = challenge.clone();
    later.salt = "5ca1ab1e00c0ffee5ca1ab1e?expires=1993456000&".into();
    assert_eq!(
        verify(&key(), &solved(&later, 4321), 50_000, NOW),
        Err(AltchaError::NotSolved)
    );
    // Digits of the number moved into the salt: the appended `&` keeps them apart.
    let mut spliced = challenge.clone();
    spliced.salt = "5ca1ab1e00c0ffee5ca1ab1e?expires=1893456000&4".into();
    assert_eq!(
        verify(&key(), &solved(&spliced, 321), 50_000, NOW),
        Err(AltchaError::NotSolved)
    );
    let no_expiry = AltchaChallenge {
        salt: "5ca1ab1e00c0ffee5ca1ab1e&".into(),
        ..challenge.clone()
    };
    assert_eq!(
        verify(&key(), &solved(&no_expiry, 4321), 50_000, NOW),
        Err(AltchaError::NoExpiry)
    );
    for bad in ["", "not base64!", &BASE64.encode(b"{}"), &"A".repeat(4000)] {
        assert_eq!(
            verify(&key(), bad, 50_000, NOW),
            Err(AltchaError::Malformed),
            "{bad}"
        );
    }
}

#[test]
fn keys_never_show_in_logs() {
    assert_eq!(format!("{:?}", key()), "AltchaKey(…)");
}

proptest! {
    #[test]
    fn the_secret_number_is_within_the_difficulty(number in any::<u64>(), max in 0u64..1_000_000) {
        let challenge = create(&key(), &SALT, number, max, EXPIRES);
        prop_assert_eq!(challenge.maxnumber, max);
        let expected = number % (max + 1);
        prop_assert_eq!(hash_hex(&challenge.salt, expected), challenge.challenge);
    }
}
