use super::*;

fn counter(failures: u32, run: u32, lockouts: u32) -> Counter {
    Counter {
        failures,
        run,
        lockouts,
        lock: LockState::Open,
    }
}

#[test]
fn the_fifth_second_factor_failure_suspends_for_fifteen_minutes() {
    let policy = LockoutPolicy::default();
    let now = UnixTime(1000);
    assert_eq!(policy.second_factor_lock(counter(4, 4, 0), now), None);
    assert_eq!(policy.attempts_left(counter(4, 4, 0)), 1);
    let lock = policy.second_factor_lock(counter(5, 5, 0), now).unwrap();
    assert_eq!(lock.state, LockState::Until(UnixTime(1900)));
    assert_eq!((lock.level, lock.ceiling), (1, false));
    assert!(lock.state.is_locked(UnixTime(1899)));
    assert!(!lock.state.is_locked(UnixTime(1900)));
}

#[test]
fn each_further_suspension_in_a_run_doubles_up_to_the_cap() {
    let policy = LockoutPolicy::default();
    let now = UnixTime(0);
    let lengths: Vec<u64> = (0..10)
        .map(|earlier| {
            let lock = policy
                .second_factor_lock(counter(5, 5 * (earlier + 1), earlier), now)
                .unwrap();
            assert_eq!(lock.level, earlier + 1);
            lock.state.until().unwrap().0 as u64
        })
        .collect();
    assert_eq!(
        lengths,
        [
            900, 1800, 3600, 7200, 14_400, 28_800, 57_600, 86_400, 86_400, 86_400
        ]
    );
    assert_eq!(policy.suspension_seconds(u32::MAX), 86_400, "no overflow");
}

#[test]
fn the_hundredth_consecutive_second_factor_failure_blocks() {
    let policy = LockoutPolicy::default();
    assert_eq!(policy.max_consecutive_failures, 100);
    // The 99th failure is the 4th of its budget: nothing yet, one guess left.
    assert_eq!(
        policy.second_factor_lock(counter(4, 99, 19), UnixTime(0)),
        None
    );
    assert_eq!(policy.attempts_left(counter(4, 99, 19)), 1);
    let lock = policy
        .second_factor_lock(counter(5, 100, 19), UnixTime(0))
        .unwrap();
    assert_eq!(lock.state, LockState::Blocked);
    assert!(lock.ceiling);
    // The ceiling counts across budgets, so a budget with guesses left still ends there.
    let small = LockoutPolicy {
        max_consecutive_failures: 7,
        ..LockoutPolicy::default()
    };
    assert_eq!(small.attempts_left(counter(1, 6, 1)), 1);
    assert!(
        small
            .second_factor_lock(counter(2, 7, 1), UnixTime(0))
            .unwrap()
            .ceiling
    );
}

#[test]
fn block_mode_holds_until_an_admin_unlocks() {
    let policy = LockoutPolicy {
        mode: LockMode::Block,
        ..LockoutPolicy::default()
    };
    let lock = policy
        .second_factor_lock(counter(5, 5, 0), UnixTime(0))
        .unwrap();
    assert!(lock.state.is_locked(UnixTime(i64::MAX - 1)));
    assert_eq!(lock.state.until(), None);
    assert!(!lock.ceiling);
}

#[test]
fn a_source_waits_after_five_failures_doubling_up_to_an_hour() {
    let policy = LockoutPolicy::default();
    assert_eq!(policy.source_delay(4), None);
    let delays: Vec<_> = (5..=12).map(|n| policy.source_delay(n).unwrap()).collect();
    assert_eq!(delays, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
    assert_eq!(policy.source_delay(u32::MAX), Some(3600));
}

#[test]
fn the_account_ceiling_for_passwords_is_a_hundred() {
    let policy = LockoutPolicy::default();
    assert_eq!(policy.password_max_attempts, 100);
    assert_eq!(policy.password_lock(counter(99, 99, 0), UnixTime(0)), None);
    let lock = policy
        .password_lock(counter(100, 100, 0), UnixTime(0))
        .unwrap();
    assert_eq!(lock.state, LockState::Until(UnixTime(900)));
    let again = policy
        .password_lock(counter(100, 200, 1), UnixTime(0))
        .unwrap();
    assert_eq!(
        again.state,
        LockState::Until(UnixTime(1800)),
        "escalates too"
    );
}

#[test]
fn password_attempts_left_count_down_to_the_account_ceiling() {
    let policy = LockoutPolicy {
        password_max_attempts: 10,
        ..LockoutPolicy::default()
    };
    assert_eq!(policy.password_attempts_left(counter(0, 0, 0)), 10);
    assert_eq!(policy.password_attempts_left(counter(7, 27, 2)), 3);
    assert_eq!(policy.password_attempts_left(counter(10, 10, 0)), 0);
    assert_eq!(policy.password_attempts_left(counter(12, 12, 0)), 0);
}

#[test]
fn password_throttles_are_kept_a_day_or_the_longest_wait() {
    let policy = LockoutPolicy::default();
    assert_eq!(policy.password_throttle_keep_seconds(), 86_400);
    assert_eq!(
        policy.stale_password_failures_before(UnixTime(100_000)),
        UnixTime(13_600)
    );
    let slow = LockoutPolicy {
        per_source: SourceThrottle {
            max_delay_seconds: 7 * 86_400,
            ..SourceThrottle::default()
        },
        ..LockoutPolicy::default()
    };
    assert_eq!(slow.password_throttle_keep_seconds(), 7 * 86_400);
    let long = LockoutPolicy {
        duration_seconds: 3 * 86_400,
        max_duration_seconds: 2 * 86_400,
        ..LockoutPolicy::default()
    };
    assert_eq!(
        long.password_throttle_keep_seconds(),
        3 * 86_400,
        "a stored first suspension longer than the cap counts"
    );
    let most = LockoutPolicy {
        max_duration_seconds: YEAR,
        ..LockoutPolicy::default()
    };
    assert_eq!(
        most.stale_password_failures_before(UnixTime(0)),
        UnixTime(-(YEAR as i64))
    );
    assert_eq!(
        most.stale_password_failures_before(UnixTime(i64::MIN + 1)),
        UnixTime(i64::MIN),
        "saturates"
    );
}

#[test]
fn the_gate_tells_the_account_lock_before_the_source_wait() {
    let policy = LockoutPolicy::default();
    let now = UnixTime(100);
    let mut throttle = PasswordThrottle::default();
    assert_eq!(policy.password_gate(&throttle, now), PasswordGate::Open);
    throttle.source.lock = LockState::Until(UnixTime(160));
    assert_eq!(
        policy.password_gate(&throttle, now),
        PasswordGate::Wait {
            retry_after_seconds: 60
        }
    );
    assert_eq!(
        policy.password_gate(&throttle, UnixTime(160)),
        PasswordGate::Open
    );
    throttle.account.lock = LockState::Until(UnixTime(1000));
    assert_eq!(
        policy.password_gate(&throttle, now),
        PasswordGate::Locked(LockState::Until(UnixTime(1000)))
    );
    assert_eq!(
        policy.password_gate(&throttle, UnixTime(1000)),
        PasswordGate::Open
    );
}

#[test]
fn settings_keep_the_ceilings_within_nist_limits() {
    LockoutPolicy::default().validate().unwrap();
    for bad in [
        LockoutPolicy {
            password_max_attempts: 101,
            ..LockoutPolicy::default()
        },
        LockoutPolicy {
            max_consecutive_failures: 101,
            ..LockoutPolicy::default()
        },
        LockoutPolicy {
            max_consecutive_failures: 4,
            ..LockoutPolicy::default()
        },
        LockoutPolicy {
            max_duration_seconds: 0,
            ..LockoutPolicy::default()
        },
        LockoutPolicy {
            per_source: SourceThrottle {
                free_attempts: 0,
                ..SourceThrottle::default()
            },
            ..LockoutPolicy::default()
        },
    ] {
        assert!(bad.validate().is_err(), "{bad:?}");
    }
}

#[test]
fn a_first_suspension_stored_longer_than_the_cap_stays_valid_and_is_never_shortened() {
    let two_days = LockoutPolicy {
        duration_seconds: 172_800,
        ..LockoutPolicy::default()
    };
    assert!(two_days.validate().is_ok());
    assert_eq!(two_days.suspension_seconds(0), 172_800);
    assert_eq!(two_days.suspension_seconds(5), 172_800);
    let default = LockoutPolicy::default();
    assert_eq!(default.suspension_seconds(0), 900);
    assert_eq!(default.suspension_seconds(1), 1_800);
    assert_eq!(default.suspension_seconds(10), 86_400);
}
