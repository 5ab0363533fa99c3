use super::*;
use crate::check::CheckOutcome;
use crate::lockout::{Counter, LockMode, LockState, LockoutPolicy, PasswordThrottle, UnlockPaths};
use crate::otp::TotpOutcome;
use crate::session::Session;
use crate::settings::LoginSettings;
use crate::{Factor, UnixTime};

fn settings() -> LoginSettings {
    LoginSettings {
        first_factors: vec![Factor::Password],
        second_factors: vec![Factor::Totp, Factor::BackupCode],
        ..LoginSettings::default()
    }
}

#[test]
fn a_second_factor_waits_for_a_known_user_whose_first_factor_still_counts() {
    let settings = settings();
    let mut session = Session::new("s".into(), "t".into(), UnixTime(0), &settings);
    let gate = |session: &Session, known, factor, now| {
        second_factor_gate(
            &settings,
            &session.valid_checks(&settings, now),
            known,
            factor,
        )
    };
    assert_eq!(
        gate(&session, true, Factor::Totp, UnixTime(0)),
        Err(Refusal::FirstFactorFirst)
    );
    session.record_pass(Factor::Password, UnixTime(0));
    assert_eq!(gate(&session, true, Factor::Totp, UnixTime(0)), Ok(()));
    // A stand-in (a name nobody has) never gets that far, password or not.
    assert_eq!(
        gate(&session, false, Factor::Totp, UnixTime(0)),
        Err(Refusal::FirstFactorFirst)
    );
    assert_eq!(
        gate(&session, true, Factor::OtpSms, UnixTime(0)),
        Err(Refusal::NotEnabled)
    );
    // The first factor stops counting at the end of its lifetime.
    let lifetime = i64::try_from(settings.lifetime_of(Factor::Password)).unwrap();
    assert_eq!(
        gate(&session, true, Factor::Totp, UnixTime(lifetime - 1)),
        Ok(())
    );
    assert_eq!(
        gate(&session, true, Factor::Totp, UnixTime(lifetime)),
        Err(Refusal::FirstFactorFirst)
    );
}

#[test]
fn a_lock_refuses_until_its_last_second_and_a_block_until_unlocked() {
    let lock = LockState::Until(UnixTime(100));
    assert_eq!(
        lock_refusal(lock, UnixTime(99)),
        Some(CheckOutcome::Locked {
            until: Some(UnixTime(100))
        })
    );
    assert_eq!(lock_refusal(lock, UnixTime(100)), None);
    assert_eq!(
        lock_refusal(LockState::Blocked, UnixTime(i64::MAX - 1)),
        Some(CheckOutcome::Locked { until: None })
    );
    assert_eq!(lock_refusal(LockState::Open, UnixTime(0)), None);
}

fn counter(failures: u32, run: u32, lockouts: u32) -> Counter {
    Counter {
        failures,
        run,
        lockouts,
        lock: LockState::Open,
    }
}

fn second_factor<'a>(reason: &'a str, counter: Counter) -> SecondFactorFailure<'a> {
    SecondFactorFailure {
        factor: Factor::Totp,
        reason,
        counter,
        paths: UnlockPaths::default(),
    }
}

/// The lock a decision sets, if any.
fn lock_of(decision: &FailureDecision<'_>) -> Option<crate::lockout::Lock> {
    decision.effects.iter().find_map(|e| match e {
        FailureEffect::LockSecondFactor { lock, .. } => Some(*lock),
        FailureEffect::LockPasswordAccount { lock, .. } => Some(*lock),
        _ => None,
    })
}

#[test]
fn the_failure_that_spends_the_budget_locks_and_the_one_before_it_does_not() {
    let policy = LockoutPolicy::default();
    let now = UnixTime(1000);
    let before = second_factor_failed(&policy, second_factor("wrong", counter(4, 4, 0)), now);
    assert_eq!(before.outcome, CheckOutcome::Failed { attempts_left: 1 });
    assert_eq!(
        before.effects,
        vec![FailureEffect::SecondFactorFailed {
            factor: Factor::Totp,
            reason: "wrong",
            failures: 4,
            run: 4
        }]
    );
    let last = second_factor_failed(&policy, second_factor("wrong", counter(5, 5, 0)), now);
    assert_eq!(
        last.outcome,
        CheckOutcome::Locked {
            until: Some(UnixTime(1900))
        }
    );
    let lock = lock_of(&last).unwrap();
    assert_eq!(lock.state, LockState::Until(UnixTime(1900)));
    assert_eq!((lock.level, lock.ceiling), (1, false));
    // Recorded first, then locked: the lock is told after the failure that earned it.
    assert!(matches!(
        last.effects[..],
        [
            FailureEffect::SecondFactorFailed { .. },
            FailureEffect::LockSecondFactor {
                max_attempts: 5,
                ceiling: 100,
                ..
            }
        ]
    ));
    // The second lock in a run is twice as long.
    let second = second_factor_failed(&policy, second_factor("wrong", counter(5, 10, 1)), now);
    assert_eq!(
        lock_of(&second).unwrap().state,
        LockState::Until(UnixTime(2800))
    );
    // The ceiling of consecutive failures blocks, whatever the budget says.
    let block = second_factor_failed(&policy, second_factor("wrong", counter(1, 100, 19)), now);
    let lock = lock_of(&block).unwrap();
    assert_eq!((lock.state, lock.ceiling), (LockState::Blocked, true));
    assert_eq!(block.outcome, CheckOutcome::Locked { until: None });
    let below = second_factor_failed(&policy, second_factor("wrong", counter(1, 99, 19)), now);
    assert_eq!(below.outcome, CheckOutcome::Failed { attempts_left: 1 });
    assert_eq!(lock_of(&below), None);
}

#[test]
fn a_replay_is_counted_like_a_wrong_code_and_told_as_a_replay_until_it_locks() {
    let policy = LockoutPolicy::default();
    let now = UnixTime(1000);
    let replay = second_factor_failed(&policy, second_factor(REPLAYED, counter(2, 2, 0)), now);
    assert_eq!(replay.outcome, CheckOutcome::Replayed { attempts_left: 3 });
    // The replay that spends the budget is told as the lock it earns.
    let locking = second_factor_failed(&policy, second_factor(REPLAYED, counter(5, 5, 0)), now);
    assert_eq!(
        locking.outcome,
        CheckOutcome::Locked {
            until: Some(UnixTime(1900))
        }
    );
}

#[test]
fn under_the_captcha_type_the_threshold_is_told_once_and_only_the_ceiling_locks() {
    let policy = LockoutPolicy {
        mode: LockMode::Captcha,
        ..LockoutPolicy::default()
    };
    let now = UnixTime(1000);
    let threshold = policy.captcha_after_failures;
    let told = |failures| {
        let decision = second_factor_failed(
            &policy,
            second_factor("wrong", counter(failures, failures, 0)),
            now,
        );
        decision
            .effects
            .contains(&FailureEffect::CaptchaRequired { failures })
    };
    assert!(!told(threshold - 1));
    assert!(told(threshold));
    assert!(!told(threshold + 1));
    let past = second_factor_failed(&policy, second_factor("wrong", counter(5, 5, 0)), now);
    assert_eq!(past.outcome, CheckOutcome::Failed { attempts_left: 95 });
    assert_eq!(lock_of(&past), None);
    let ceiling = second_factor_failed(&policy, second_factor("wrong", counter(100, 100, 0)), now);
    let lock = lock_of(&ceiling).unwrap();
    assert_eq!((lock.state, lock.ceiling), (LockState::Blocked, true));
    // The budget the lock empties is the ceiling's, so a racing failure finds it spent too.
    assert!(ceiling.effects.iter().any(|e| matches!(
        e,
        FailureEffect::LockSecondFactor {
            max_attempts: 100,
            ..
        }
    )));
}

fn password(account: u32, source: u32, from_source: bool) -> PasswordFailure {
    PasswordFailure {
        factor: Factor::Password,
        known_user: true,
        after: PasswordThrottle {
            source: counter(source, source, 0),
            account: counter(account, account, 0),
        },
        from_source,
        replayed: false,
    }
}

#[test]
fn a_password_failure_locks_the_name_at_its_ceiling_else_makes_its_source_wait() {
    let policy = LockoutPolicy::default();
    let now = UnixTime(1000);
    let max = policy.password_max_attempts;
    let free = policy.per_source.free_attempts;
    // Within the source's free attempts: recorded only.
    let first = password_failed(&policy, password(1, free - 1, true), now);
    assert_eq!(
        first.outcome,
        CheckOutcome::Failed {
            attempts_left: max - 1
        }
    );
    assert_eq!(first.effects.len(), 1);
    // Past them the source waits; a backend with the admin token is not a source.
    let waits = password_failed(&policy, password(free, free, true), now);
    assert!(matches!(
        waits.effects[..],
        [
            FailureEffect::PasswordFailed {
                from_address: true,
                ..
            },
            FailureEffect::DelaySource { .. }
        ]
    ));
    let backend = password_failed(&policy, password(free, free, false), now);
    assert_eq!(backend.effects.len(), 1);
    // Under the captcha type the source does not wait: its next password asks a captcha.
    let captcha = LockoutPolicy {
        mode: crate::lockout::LockMode::Captcha,
        ..policy
    };
    let asks = password_failed(&captcha, password(free, free, true), now);
    assert_eq!(asks.effects.len(), 1);
    // One before the ceiling does not lock; the ceiling locks, and no wait is added to it.
    let before = password_failed(&policy, password(max - 1, 0, true), now);
    assert_eq!(lock_of(&before), None);
    let locks = password_failed(&policy, password(max, 0, true), now);
    let lock = lock_of(&locks).unwrap();
    assert_eq!(
        locks.outcome,
        CheckOutcome::Locked {
            until: lock.state.until()
        }
    );
    assert!(
        !locks
            .effects
            .iter()
            .any(|e| matches!(e, FailureEffect::DelaySource { .. }))
    );
}

#[test]
fn a_refused_reservation_tells_the_lock_that_holds_or_none() {
    let now = UnixTime(50);
    let locked = Counter {
        lock: LockState::Until(UnixTime(60)),
        ..Counter::default()
    };
    assert_eq!(
        refused_reservation(locked, now),
        CheckOutcome::Locked {
            until: Some(UnixTime(60))
        }
    );
    // Spent by guesses still in flight: locked, its end not known yet.
    assert_eq!(
        refused_reservation(counter(5, 5, 0), now),
        CheckOutcome::Locked { until: None }
    );
    let expired = Counter {
        lock: LockState::Until(UnixTime(50)),
        ..counter(5, 5, 1)
    };
    assert_eq!(
        refused_reservation(expired, now),
        CheckOutcome::Locked { until: None }
    );
}

#[test]
fn a_code_passes_on_the_first_authenticator_that_accepts_it_and_is_a_replay_if_one_spent_it() {
    let verdict = |id, outcome| TotpVerdict {
        authenticator_id: id,
        outcome,
    };
    assert_eq!(
        decide_totp(&[
            verdict("a", TotpOutcome::Replayed),
            verdict("b", TotpOutcome::Accepted { step: 7 }),
            verdict("c", TotpOutcome::Accepted { step: 8 }),
        ]),
        TotpDecision::Pass {
            authenticator_id: "b".into(),
            step: 7
        }
    );
    assert_eq!(
        decide_totp(&[
            verdict("a", TotpOutcome::Wrong),
            verdict("b", TotpOutcome::Replayed)
        ]),
        TotpDecision::Fail { replayed: true }
    );
    assert_eq!(
        decide_totp(&[verdict("a", TotpOutcome::Wrong)]),
        TotpDecision::Fail { replayed: false }
    );
    assert_eq!(decide_totp(&[]), TotpDecision::Fail { replayed: false });
}

#[test]
fn under_a_lock_only_a_backup_code_or_the_questions_are_tried_and_a_due_captcha_is_spent() {
    use crate::lockout::SecondFactorGate as Gate;
    let suspended = Gate::Suspended {
        until: UnixTime(60),
    };
    let second = |captcha| Admission::Try(Budget::SecondFactor { captcha });
    assert_eq!(admit(Factor::Totp, Gate::Open, false), second(false));
    assert_eq!(admit(Factor::BackupCode, Gate::Open, false), second(false));
    assert_eq!(
        admit(Factor::Totp, suspended, false),
        Admission::Refuse(CheckOutcome::Locked {
            until: Some(UnixTime(60))
        })
    );
    for gate in [Gate::Blocked, Gate::QuestionsRequired] {
        assert_eq!(
            admit(Factor::Webauthn, gate, true),
            Admission::Refuse(CheckOutcome::Locked { until: None })
        );
        assert_eq!(
            admit(Factor::BackupCode, gate, false),
            Admission::Try(Budget::Unlock)
        );
    }
    assert_eq!(
        admit(Factor::BackupCode, suspended, true),
        Admission::Try(Budget::Unlock)
    );
    // Answering the questions lifts only the lock that asks them.
    let questions = Factor::SecurityQuestions;
    assert_eq!(
        admit(questions, Gate::QuestionsRequired, false),
        Admission::Try(Budget::Unlock)
    );
    assert_eq!(
        admit(questions, suspended, false),
        Admission::Refuse(CheckOutcome::Locked {
            until: Some(UnixTime(60))
        })
    );
    assert_eq!(
        admit(questions, Gate::Blocked, false),
        Admission::Refuse(CheckOutcome::Locked { until: None })
    );
    // Past the captcha's threshold: every guess spends one; a backup code without one unlocks.
    assert_eq!(
        admit(Factor::Totp, Gate::CaptchaRequired, false),
        second(true)
    );
    assert_eq!(
        admit(Factor::BackupCode, Gate::CaptchaRequired, true),
        second(true)
    );
    assert_eq!(
        admit(Factor::BackupCode, Gate::CaptchaRequired, false),
        Admission::Try(Budget::Unlock)
    );
}
