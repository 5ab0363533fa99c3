use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::settings::LoginSettings;

fn catalogue(n: usize) -> Vec<CatalogueQuestion> {
    (1..=n)
        .map(|i| CatalogueQuestion {
            id: format!("q{i}"),
            text: QuestionText {
                en: format!("Question {i}?"),
                de: format!("Frage {i}?"),
            },
        })
        .collect()
}

fn policy() -> SecurityQuestionsPolicy {
    SecurityQuestionsPolicy {
        catalogue: catalogue(5),
        ..SecurityQuestionsPolicy::default()
    }
}

fn to(id: &str, answer: &str) -> AnswerInput {
    AnswerInput {
        question_id: Some(id.into()),
        question: None,
        answer: answer.into(),
    }
}

fn own(question: &str, answer: &str) -> AnswerInput {
    AnswerInput {
        question_id: None,
        question: Some(question.into()),
        answer: answer.into(),
    }
}

#[test]
fn the_defaults_ask_three_at_enrolment_and_two_per_check_from_the_catalogue_only() {
    let defaults = SecurityQuestionsPolicy::default();
    assert_eq!(defaults.required_at_enrolment, 3);
    assert_eq!(defaults.asked_per_check, 2);
    assert!(!defaults.allow_own_questions);
    assert!(defaults.validate(false).is_ok());
}

#[test]
fn settings_refuse_a_catalogue_too_small_for_the_factor_they_offer() {
    let mut settings = LoginSettings::default();
    settings.second_factors.push(Factor::SecurityQuestions);
    settings.security_questions.catalogue = catalogue(2);
    assert!(settings.validate().is_err());
    settings.security_questions.catalogue = catalogue(3);
    assert!(settings.validate().is_ok());
    settings.security_questions.catalogue = catalogue(0);
    settings.security_questions.allow_own_questions = true;
    assert!(settings.validate().is_ok());
}

#[test]
fn settings_refuse_bad_counts_ids_and_texts() {
    let bad = |p: SecurityQuestionsPolicy| p.validate(false).is_err();
    assert!(bad(SecurityQuestionsPolicy {
        asked_per_check: 4,
        ..policy()
    }));
    assert!(bad(SecurityQuestionsPolicy {
        required_at_enrolment: 0,
        ..policy()
    }));
    assert!(bad(SecurityQuestionsPolicy {
        required_at_enrolment: 11,
        ..policy()
    }));
    let mut twice = policy();
    twice.catalogue.push(twice.catalogue[0].clone());
    assert!(bad(twice));
    for id in ["", "Q1", "own-1", "a b"] {
        let mut p = policy();
        p.catalogue[0].id = id.into();
        assert!(bad(p), "{id}");
    }
    let mut hidden = policy();
    hidden.catalogue[0].text.de = "Wer\u{202E}?".into();
    assert!(bad(hidden));
}

#[test]
fn settings_patch_merges_the_catalogue_section_like_any_other() {
    let current = LoginSettings::default();
    let patched = current
        .patched(&json!({"security_questions": {
            "catalogue": [{"id": "pet", "text": {"en": "First pet?", "de": "Erstes Haustier?"}}],
            "asked_per_check": 1
        }}))
        .unwrap();
    assert_eq!(patched.security_questions.catalogue.len(), 1);
    assert_eq!(patched.security_questions.asked_per_check, 1);
    assert_eq!(patched.security_questions.required_at_enrolment, 3);
    let reset = patched
        .patched(&json!({"security_questions": {"asked_per_check": null}}))
        .unwrap();
    assert_eq!(reset.security_questions.asked_per_check, 2);
    assert_eq!(reset.security_questions.catalogue.len(), 1);
    assert!(
        current
            .patched(&json!({"security_questions": {"colour": 1}}))
            .is_err()
    );
}

#[test]
fn text_follows_the_language_and_falls_back_to_english() {
    let text = &policy().catalogue[0].text;
    assert_eq!(text.for_language(Some("de-CH")), "Frage 1?");
    assert_eq!(text.for_language(Some("fr")), "Question 1?");
    assert_eq!(text.for_language(None), "Question 1?");
}

#[test]
fn answers_are_one_regardless_of_case_composition_and_spacing() {
    let composed = normalise_answer("Zürich  Hauptbahnhof");
    for same in [
        "  ZÜRICH hauptbahnhof ",
        "Zu\u{308}rich\tHauptbahnhof",
        "zürich\u{3000}hauptbahnhof",
        "ＺＵ\u{308}ＲＩＣＨ Hauptbahnhof",
    ] {
        assert_eq!(normalise_answer(same), composed, "{same:?}");
    }
    assert_eq!(composed.expose(), "zürich hauptbahnhof");
    assert_ne!(normalise_answer("zurich hauptbahnhof"), composed);
    assert_eq!(format!("{composed:?}"), "NormalisedAnswer(…)");
}

#[test]
fn an_enrolment_answers_all_required_questions_at_once() {
    let p = policy();
    let ok = validate_enrolment(&p, &[to("q1", "Rex"), to("q2", "Bern"), to("q3", "Blue")]);
    let enrolled = ok.unwrap();
    assert_eq!(enrolled.len(), 3);
    assert_eq!(enrolled[0].answer.expose(), "rex");
    assert_eq!(
        validate_enrolment(&p, &[to("q1", "Rex"), to("q2", "Bern")]),
        Err(EnrolmentError::WrongCount {
            required: 3,
            max: MAX_ANSWERS,
            given: 2
        })
    );
}

#[test]
fn enrolment_errors_name_the_question_and_never_the_answer() {
    let p = policy();
    let cases = [
        (
            vec![to("q1", "Rex"), to("q2", " r "), to("q3", "Blue")],
            EnrolmentError::AnswerTooShort { id: "q2".into() },
        ),
        (
            vec![to("q1", "Rex"), to("q2", "REX "), to("q3", "Blue")],
            EnrolmentError::SameAnswer {
                first: "q1".into(),
                second: "q2".into(),
            },
        ),
        (
            vec![to("q1", "Rex"), to("q1", "Bern"), to("q3", "Blue")],
            EnrolmentError::DuplicateQuestion { id: "q1".into() },
        ),
        (
            vec![to("q1", "Rex"), to("q9", "Bern"), to("q3", "Blue")],
            EnrolmentError::UnknownQuestion { id: "q9".into() },
        ),
        (
            vec![to("q1", "Rex"), own("My own?", "Bern"), to("q3", "Blue")],
            EnrolmentError::OwnQuestionsNotAllowed,
        ),
    ];
    for (answers, expected) in cases {
        let err = validate_enrolment(&p, &answers).unwrap_err();
        assert_eq!(err, expected);
        let message = err.to_string();
        assert!(!message.to_lowercase().contains("rex"), "{message}");
    }
    let both = AnswerInput {
        question_id: Some("q1".into()),
        question: Some("Mine?".into()),
        answer: "Rex".into(),
    };
    assert_eq!(
        validate_enrolment(&p, &[both, to("q2", "Bern"), to("q3", "Blue")]),
        Err(EnrolmentError::AmbiguousQuestion)
    );
}

#[test]
fn own_questions_get_their_own_ids_where_allowed_and_may_not_repeat() {
    let p = SecurityQuestionsPolicy {
        allow_own_questions: true,
        ..policy()
    };
    let enrolled = validate_enrolment(
        &p,
        &[
            own("Name of my cat?", "Minka"),
            to("q1", "Rex"),
            own(" Street I grew up in? ", "Bahnhofstrasse"),
        ],
    )
    .unwrap();
    assert_eq!(
        enrolled[0].question,
        QuestionRef::Own {
            id: "own-1".into(),
            text: "Name of my cat?".into()
        }
    );
    assert_eq!(enrolled[2].question.id(), "own-2");
    assert_eq!(
        validate_enrolment(
            &p,
            &[
                own("Name of my cat?", "Minka"),
                own("name of my CAT?", "Tiger"),
                to("q1", "Rex")
            ]
        ),
        Err(EnrolmentError::DuplicateQuestion { id: "own-1".into() })
    );
}

fn ids(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("q{i}")).collect()
}

#[test]
fn a_pending_subset_is_asked_again_until_the_check_is_decided() {
    let enrolled = ids(5);
    let first = questions_to_ask(&enrolled, None, 2, &[7; 32]);
    assert!(first.fresh);
    assert_eq!(first.question_ids.len(), 2);
    let again = questions_to_ask(&enrolled, Some(&first.question_ids), 2, &[9; 32]);
    assert_eq!(again.question_ids, first.question_ids);
    assert!(!again.fresh, "nothing new to store");
    // Re-enrolled answers that drop a pending question make the subset stale.
    let stale = vec!["q1".to_owned(), "gone".to_owned()];
    assert!(questions_to_ask(&enrolled, Some(&stale), 2, &[9; 32]).fresh);
}

proptest! {
    #[test]
    fn the_choice_is_a_deterministic_subset_in_enrolment_order(
        n in 1usize..10, count in 1u32..10, random in any::<[u8; 32]>()
    ) {
        let enrolled = ids(n);
        let chosen = choose_asked(&enrolled, count, &random);
        prop_assert_eq!(chosen.len(), n.min(count as usize));
        prop_assert_eq!(&chosen, &choose_asked(&enrolled, count, &random));
        let positions: Vec<usize> = chosen
            .iter()
            .map(|id| enrolled.iter().position(|e| e == id).unwrap())
            .collect();
        prop_assert!(positions.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn normalising_twice_changes_nothing(raw in "\\PC{0,40}") {
        let once = normalise_answer(&raw);
        prop_assert_eq!(normalise_answer(once.expose()), once);
    }
}

#[test]
fn different_random_values_ask_different_questions() {
    let enrolled = ids(5);
    let subsets: std::collections::BTreeSet<Vec<String>> = (0..40u8)
        .map(|i| choose_asked(&enrolled, 2, &[i; 32]))
        .collect();
    assert!(subsets.len() > 5, "{subsets:?}");
}

fn given(id: &str, answer: &str) -> GivenAnswer {
    GivenAnswer {
        question_id: id.into(),
        answer: answer.into(),
    }
}

#[test]
fn every_asked_answer_must_match_and_every_one_is_compared() {
    let asked = ids(2);
    let stored = |id: &str, a: &NormalisedAnswer| match id {
        "q1" => a.expose() == "rex",
        _ => a.expose() == "bern",
    };
    let right = [given("q1", " REX"), given("q2", "Bern")];
    assert_eq!(answers_match(&asked, &right, stored), Ok(true));
    let mut compared = 0;
    let one_wrong = [given("q1", "Fido"), given("q2", "Bern")];
    let outcome = answers_match(&asked, &one_wrong, |id, a| {
        compared += 1;
        stored(id, a)
    });
    assert_eq!(outcome, Ok(false));
    assert_eq!(compared, 2);
}

#[test]
fn a_set_that_does_not_fit_the_questions_is_refused_before_comparing() {
    let asked = ids(2);
    let never = |_: &str, _: &NormalisedAnswer| -> bool { unreachable!() };
    assert_eq!(
        answers_match(&asked, &[given("q1", "x")], never),
        Err(AnswerSetError::Missing { id: "q2".into() })
    );
    assert_eq!(
        answers_match(&asked, &[given("q1", "x"), given("q3", "y")], never),
        Err(AnswerSetError::NotAsked { id: "q3".into() })
    );
    assert_eq!(
        answers_match(&asked, &[given("q1", "x"), given("q1", "y")], never),
        Err(AnswerSetError::Duplicate { id: "q1".into() })
    );
}

#[test]
fn answers_parse_from_the_api_shape() {
    let input: AnswerInput =
        serde_json::from_value(json!({"question_id": "q1", "answer": "Rex"})).unwrap();
    assert_eq!(input.question_id.as_deref(), Some("q1"));
    assert!(!format!("{input:?}").contains("Rex"));
    assert!(serde_json::from_value::<AnswerInput>(json!({"answer": "x", "extra": 1})).is_err());
}

#[test]
fn security_questions_are_weak_and_say_kba() {
    assert!(Factor::SecurityQuestions.is_weak());
    assert!(Factor::ALL.iter().filter(|f| f.is_weak()).count() == 1);
    assert_eq!(Factor::SecurityQuestions.amr(), &["kba"]);
}
