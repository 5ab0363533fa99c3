use super::*;
use crate::check::CheckOutcome;
use crate::lockout::{Counter, LockState, LockoutPolicy};
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

#[test]
fn the_failure_that_spends_the_budget_locks_and_the_one_before_it_does_not() {
    let policy = LockoutPolicy::default();
    let now = UnixTime(1000);
    assert_eq!(
        after_failure(&policy, counter(4, 4, 0), now),
        Failure::Failed { attempts_left: 1 }
    );
    let Failure::Lock(lock) = after_failure(&policy, counter(5, 5, 0), now) else {
        panic!("the fifth failure locks")
    };
    assert_eq!(lock.state, LockState::Until(UnixTime(1900)));
    assert_eq!((lock.level, lock.ceiling), (1, false));
    assert_eq!(
        after_failure(&policy, counter(5, 5, 0), now).outcome(),
        CheckOutcome::Locked {
            until: Some(UnixTime(1900))
        }
    );
    // The second lock in a run is twice as long.
    let Failure::Lock(second) = after_failure(&policy, counter(5, 10, 1), now) else {
        panic!("locks again")
    };
    assert_eq!(second.state, LockState::Until(UnixTime(2800)));
    // The ceiling of consecutive failures blocks, whatever the budget says.
    let Failure::Lock(block) = after_failure(&policy, counter(1, 100, 19), now) else {
        panic!("the ceiling blocks")
    };
    assert_eq!((block.state, block.ceiling), (LockState::Blocked, true));
    assert_eq!(
        after_failure(&policy, counter(1, 99, 19), now),
        Failure::Failed { attempts_left: 1 }
    );
}

#[test]
fn under_the_captcha_type_a_failure_counts_down_to_the_ceiling_without_locking() {
    use crate::lockout::{LockMode, UnlockPaths};
    let policy = LockoutPolicy {
        mode: LockMode::Captcha,
        ..LockoutPolicy::default()
    };
    let now = UnixTime(1000);
    let none = UnlockPaths::default();
    assert_eq!(
        after_failure_for(&policy, counter(5, 5, 0), none, now),
        Failure::Failed { attempts_left: 95 }
    );
    let Failure::Lock(block) = after_failure_for(&policy, counter(100, 100, 0), none, now) else {
        panic!("the ceiling blocks")
    };
    assert_eq!((block.state, block.ceiling), (LockState::Blocked, true));
    // The suspend type is as before.
    assert_eq!(
        after_failure_for(&LockoutPolicy::default(), counter(5, 5, 0), none, now),
        after_failure(&LockoutPolicy::default(), counter(5, 5, 0), now)
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
