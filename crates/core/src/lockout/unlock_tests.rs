use serde_json::json;

use super::*;

const NOW: UnixTime = UnixTime(10_000);
const QUESTIONS: UnlockPaths = UnlockPaths {
    security_questions: true,
};
const NONE: UnlockPaths = UnlockPaths {
    security_questions: false,
};

fn policy(mode: LockMode) -> LockoutPolicy {
    LockoutPolicy {
        mode,
        ..LockoutPolicy::default()
    }
}

fn failed(failures: u32, run: u32) -> Counter {
    Counter {
        failures,
        run,
        lockouts: 0,
        lock: LockState::Open,
    }
}

fn locked(counter: Counter, lock: Option<Lock>) -> Counter {
    Counter {
        failures: 0,
        lockouts: counter.lockouts + 1,
        lock: lock.unwrap().state,
        ..counter
    }
}

#[test]
fn the_type_is_read_as_mode_or_type_with_its_settings_defaulted() {
    let p: LockoutPolicy =
        serde_json::from_value(json!({"type": "captcha", "captcha_after": 2})).unwrap();
    assert_eq!(p.mode, LockMode::Captcha);
    assert_eq!(p.captcha_after_failures, 2);
    assert_eq!(p.captcha_difficulty, 100_000);
    assert_eq!(p.unlock_attempts, 5);
    let p: LockoutPolicy = serde_json::from_value(json!({"mode": "security_questions"})).unwrap();
    assert_eq!(p.mode, LockMode::SecurityQuestions);
    assert_eq!(LockoutPolicy::default().mode, LockMode::Suspend);
    let bad = |v| {
        serde_json::from_value::<LockoutPolicy>(v)
            .unwrap()
            .validate()
            .is_err()
    };
    assert!(bad(json!({"captcha_difficulty": 10})));
    assert!(bad(json!({"unlock_attempts": 0})));
    assert!(bad(json!({"captcha_after_failures": 0})));
}

#[test]
fn each_type_decides_what_the_fifth_failure_leads_to() {
    let fifth = failed(5, 5);
    let until = NOW.plus_seconds(900);
    let suspend = policy(LockMode::Suspend).second_factor_lock_for(fifth, QUESTIONS, NOW);
    assert_eq!(suspend.unwrap().state, LockState::Until(until));
    let block = policy(LockMode::Block).second_factor_lock_for(fifth, QUESTIONS, NOW);
    assert_eq!(block.unwrap().state, LockState::Blocked);
    let questions = policy(LockMode::SecurityQuestions);
    let lock = questions.second_factor_lock_for(fifth, QUESTIONS, NOW);
    assert_eq!(lock.unwrap().state, LockState::Blocked);
    assert_eq!(
        questions.second_factor_gate(locked(fifth, lock), QUESTIONS, NOW),
        SecondFactorGate::QuestionsRequired
    );
    // Without questions to answer, the same failure suspends: no user is left with no way out.
    let lock = questions.second_factor_lock_for(fifth, NONE, NOW);
    assert_eq!(lock.unwrap().state, LockState::Until(until));
    let captcha = policy(LockMode::Captcha);
    assert_eq!(captcha.second_factor_lock_for(fifth, NONE, NOW), None);
    assert_eq!(captcha.attempts_left_for(fifth), 95);
    assert_eq!(policy(LockMode::Suspend).attempts_left_for(failed(4, 4)), 1);
}

#[test]
fn a_caller_that_knows_only_suspensions_and_blocks_suspends_under_the_new_types() {
    let fifth = failed(5, 5);
    for mode in [LockMode::SecurityQuestions, LockMode::Captcha] {
        let p = policy(mode);
        let lock = p.second_factor_lock(fifth, NOW).unwrap();
        assert_eq!(
            lock.state,
            LockState::Until(NOW.plus_seconds(900)),
            "{mode:?}"
        );
        assert_eq!(p.attempts_left(failed(4, 4)), 1);
    }
}

#[test]
fn the_captcha_is_asked_from_the_configured_failure_and_lets_one_attempt_through() {
    let captcha = policy(LockMode::Captcha);
    assert_eq!(
        captcha.second_factor_gate(failed(2, 2), NONE, NOW),
        SecondFactorGate::Open
    );
    let gate = captcha.second_factor_gate(failed(3, 3), NONE, NOW);
    assert_eq!(gate, SecondFactorGate::CaptchaRequired);
    assert!(!gate.allows_attempt(false));
    assert!(gate.allows_attempt(true));
    assert!(SecondFactorGate::Open.allows_attempt(false));
    assert!(!SecondFactorGate::Blocked.allows_attempt(true));
    assert!(!SecondFactorGate::QuestionsRequired.allows_attempt(true));
}

#[test]
fn the_ceiling_blocks_under_every_type_and_only_an_admin_lifts_it() {
    for mode in [
        LockMode::Suspend,
        LockMode::Block,
        LockMode::SecurityQuestions,
        LockMode::Captcha,
    ] {
        let p = policy(mode);
        let at = failed(3, 100);
        let lock = p.second_factor_lock_for(at, QUESTIONS, NOW).unwrap();
        assert!(lock.ceiling, "{mode:?}");
        let gate = p.second_factor_gate(locked(at, Some(lock)), QUESTIONS, NOW);
        assert_eq!(gate, SecondFactorGate::Blocked, "{mode:?}");
        assert_eq!(
            p.may_try_unlock(gate, UnlockWith::BackupCode, 0),
            UnlockAttempt::NotAnUnlock
        );
        assert!(matches!(
            p.may_try_unlock(gate, UnlockWith::Admin, 0),
            UnlockAttempt::Allowed { .. }
        ));
    }
}

#[test]
fn a_suspension_ends_at_its_time() {
    let p = policy(LockMode::Suspend);
    let counter = Counter {
        lock: LockState::Until(NOW),
        ..failed(0, 5)
    };
    assert_eq!(
        p.second_factor_gate(counter, NONE, UnixTime(NOW.0 - 1)),
        SecondFactorGate::Suspended { until: NOW }
    );
    assert_eq!(
        p.second_factor_gate(counter, NONE, NOW),
        SecondFactorGate::Open
    );
}

#[test]
fn a_backup_code_is_the_fallback_for_every_type_but_block() {
    let cases = [
        (
            LockMode::Suspend,
            SecondFactorGate::Suspended { until: NOW },
        ),
        (
            LockMode::SecurityQuestions,
            SecondFactorGate::QuestionsRequired,
        ),
        (LockMode::Captcha, SecondFactorGate::CaptchaRequired),
    ];
    for (mode, gate) in cases {
        assert_eq!(
            policy(mode).may_try_unlock(gate, UnlockWith::BackupCode, 0),
            UnlockAttempt::Allowed { attempts_left: 5 },
            "{mode:?}"
        );
    }
    let block = policy(LockMode::Block);
    assert_eq!(
        block.may_try_unlock(SecondFactorGate::Blocked, UnlockWith::BackupCode, 0),
        UnlockAttempt::NotAnUnlock
    );
    assert_eq!(
        block.may_try_unlock(SecondFactorGate::Open, UnlockWith::BackupCode, 0),
        UnlockAttempt::NotLocked
    );
}

#[test]
fn questions_unlock_only_a_questions_lock() {
    let p = policy(LockMode::SecurityQuestions);
    assert_eq!(
        p.may_try_unlock(
            SecondFactorGate::QuestionsRequired,
            UnlockWith::SecurityQuestions,
            4
        ),
        UnlockAttempt::Allowed { attempts_left: 1 }
    );
    assert_eq!(
        p.may_try_unlock(
            SecondFactorGate::Suspended { until: NOW },
            UnlockWith::SecurityQuestions,
            0
        ),
        UnlockAttempt::NotAnUnlock
    );
}

#[test]
fn the_unlock_budget_is_five_per_lock_shared_by_codes_and_questions() {
    let p = policy(LockMode::SecurityQuestions);
    let gate = SecondFactorGate::QuestionsRequired;
    let mut spent = 0;
    for expected_left in [4, 3, 2, 1] {
        let with = if spent % 2 == 0 {
            UnlockWith::BackupCode
        } else {
            UnlockWith::SecurityQuestions
        };
        assert!(matches!(
            p.may_try_unlock(gate, with, spent),
            UnlockAttempt::Allowed { .. }
        ));
        match p.after_unlock_attempt(false, spent) {
            FallbackOutcome::Failed {
                unlock_failures,
                attempts_left,
            } => {
                assert_eq!(attempts_left, expected_left);
                spent = unlock_failures;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        p.after_unlock_attempt(false, spent),
        FallbackOutcome::Exhausted { unlock_failures: 5 }
    );
    assert_eq!(
        p.may_try_unlock(gate, UnlockWith::BackupCode, 5),
        UnlockAttempt::Exhausted
    );
}

#[test]
fn a_way_out_lifts_the_lock_and_ends_the_run() {
    let p = policy(LockMode::SecurityQuestions);
    assert_eq!(
        p.after_unlock_attempt(true, 3),
        FallbackOutcome::Unlocked {
            counter: Counter::default()
        }
    );
}

#[test]
fn passwords_keep_the_account_lock_and_the_captcha_type_replaces_waiting() {
    let mut throttle = PasswordThrottle::default();
    // Past the source's five free attempts, where the wait would start.
    throttle.source.failures = 5;
    throttle.source.lock = LockState::Until(NOW.plus_seconds(60));
    let captcha = policy(LockMode::Captcha);
    assert_eq!(
        captcha.password_step(&throttle, NOW),
        PasswordStep::CaptchaRequired
    );
    throttle.source.failures = 4;
    assert_eq!(captcha.password_step(&throttle, NOW), PasswordStep::Open);
    let suspend = policy(LockMode::Suspend);
    assert_eq!(
        suspend.password_step(&throttle, NOW),
        PasswordStep::Wait {
            retry_after_seconds: 60
        }
    );
    throttle.account.lock = LockState::Blocked;
    assert_eq!(
        captcha.password_step(&throttle, NOW),
        PasswordStep::Locked(LockState::Blocked)
    );
    // The account ceiling suspends under the second-factor types; block still blocks.
    let account = Counter {
        failures: 100,
        ..Counter::default()
    };
    for mode in [LockMode::SecurityQuestions, LockMode::Captcha] {
        let lock = policy(mode).password_lock(account, NOW).unwrap();
        assert!(matches!(lock.state, LockState::Until(_)), "{mode:?}");
    }
    let lock = policy(LockMode::Block).password_lock(account, NOW).unwrap();
    assert_eq!(lock.state, LockState::Blocked);
}

#[test]
fn attempts_are_reservable_below_the_budget_or_under_captcha_below_the_captcha_or_ceiling() {
    assert_eq!(policy(LockMode::Suspend).reservable_below(false), 5);
    assert_eq!(policy(LockMode::Block).reservable_below(true), 5);
    let captcha = policy(LockMode::Captcha);
    assert_eq!(captcha.reservable_below(false), 3);
    assert_eq!(captcha.reservable_below(true), 100);
}
