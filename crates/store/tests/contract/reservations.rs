//! Attempt budgets as reservations: however many guesses race, no more are taken than the budget.

use std::sync::Arc;

use twofold_core::UnixTime;
use twofold_core::lockout::LockState;
use twofold_store::{PasswordBudget, Reservation, SecondFactorBudget, Store};

use crate::support::{TENANT, stores, user};

const BUDGET: SecondFactorBudget = SecondFactorBudget {
    max_attempts: 5,
    ceiling: 100,
};

async fn race(store: &Arc<dyn Store>, n: usize) -> usize {
    let racers: Vec<_> = (0..n)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .reserve_second_factor_attempt("u1", BUDGET, UnixTime(100))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut taken = 0;
    for racer in racers {
        if let Reservation::Taken(_) = racer.await.unwrap() {
            taken += 1;
        }
    }
    taken
}

#[tokio::test]
async fn twelve_concurrent_reservations_with_a_budget_of_five_take_exactly_five() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        assert_eq!(race(&store, 12).await, 5);
        let alice = store.user(TENANT, "u1").await.unwrap().unwrap();
        assert_eq!(
            (alice.second_factor.failures, alice.second_factor.run),
            (5, 5)
        );
        // Giving one back makes room for exactly one more.
        store.release_second_factor_attempt("u1").await.unwrap();
        assert_eq!(race(&store, 3).await, 1);
    }
}

#[tokio::test]
async fn a_locked_or_blocked_second_factor_refuses_reservations() {
    for store in stores().await {
        store.insert_user(&user("u1", "alice")).await.unwrap();
        assert_eq!(race(&store, 5).await, 5);
        let lock = LockState::Until(UnixTime(200));
        assert!(store.lock_second_factor("u1", lock, 5, 100).await.unwrap());
        let refused = store
            .reserve_second_factor_attempt("u1", BUDGET, UnixTime(199))
            .await
            .unwrap();
        match refused {
            Reservation::Refused(counter) => assert_eq!(counter.lock, lock),
            other => panic!("{other:?}"),
        }
        // The suspension over, a fresh budget; the run goes on towards the ceiling.
        let taken = store
            .reserve_second_factor_attempt("u1", BUDGET, UnixTime(200))
            .await
            .unwrap();
        assert!(matches!(taken, Reservation::Taken(c) if c.failures == 1 && c.run == 6));
        let at_ceiling = SecondFactorBudget {
            max_attempts: 5,
            ceiling: 6,
        };
        let refused = store
            .reserve_second_factor_attempt("u1", at_ceiling, UnixTime(200))
            .await
            .unwrap();
        assert!(matches!(refused, Reservation::Refused(_)));
        assert!(
            store
                .lock_second_factor("u1", LockState::Blocked, 5, 6)
                .await
                .unwrap()
        );
        let blocked = store
            .reserve_second_factor_attempt("u1", BUDGET, UnixTime(i64::MAX - 1))
            .await
            .unwrap();
        assert!(matches!(blocked, Reservation::Refused(c) if c.lock == LockState::Blocked));
        // No such user: nothing to take.
        let nobody = store
            .reserve_second_factor_attempt("nobody", BUDGET, UnixTime(200))
            .await
            .unwrap();
        assert!(matches!(nobody, Reservation::Refused(c) if c.failures == 0));
    }
}

const PASSWORD_BUDGET: PasswordBudget = PasswordBudget { account_max: 5 };

#[tokio::test]
async fn concurrent_password_reservations_stop_at_the_account_ceiling() {
    for store in stores().await {
        // From many sources, so only the account-wide ceiling holds them back.
        let racers: Vec<_> = (0..12)
            .map(|n| {
                let store = store.clone();
                tokio::spawn(async move {
                    let source = format!("10.0.0.{n}");
                    store
                        .reserve_password_attempt(
                            TENANT,
                            "stand-in",
                            Some(&source),
                            PASSWORD_BUDGET,
                            UnixTime(100),
                        )
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut taken = 0;
        for racer in racers {
            if let Reservation::Taken(_) = racer.await.unwrap() {
                taken += 1;
            }
        }
        assert_eq!(taken, 5);
        let throttle = store
            .password_throttle(TENANT, "stand-in", None)
            .await
            .unwrap();
        assert_eq!(throttle.account.failures, 5);
    }
}

#[tokio::test]
async fn a_waiting_source_or_a_locked_account_refuses_and_a_release_gives_back() {
    for store in stores().await {
        let reserve = |now: i64| {
            let store = store.clone();
            async move {
                store
                    .reserve_password_attempt(
                        TENANT,
                        "u1",
                        Some("10.0.0.1"),
                        PASSWORD_BUDGET,
                        UnixTime(now),
                    )
                    .await
                    .unwrap()
            }
        };
        for n in 1..=2 {
            assert!(
                matches!(reserve(100).await, Reservation::Taken(t) if t.source.failures == n && t.account.failures == n)
            );
        }
        store
            .delay_password_source(TENANT, "u1", "10.0.0.1", UnixTime(160))
            .await
            .unwrap();
        // The source waits: refused before it is evaluated, and nothing counted.
        let refused = reserve(159).await;
        assert!(
            matches!(refused, Reservation::Refused(t) if t.source.lock == LockState::Until(UnixTime(160)) && t.account.failures == 2)
        );
        assert!(matches!(reserve(160).await, Reservation::Taken(t) if t.account.failures == 3));
        // A right password whose step did not commit gives its attempt back.
        store
            .release_password_attempt(TENANT, "u1", Some("10.0.0.1"))
            .await
            .unwrap();
        let throttle = store
            .password_throttle(TENANT, "u1", Some("10.0.0.1"))
            .await
            .unwrap();
        assert_eq!(
            (throttle.source.failures, throttle.account.failures),
            (2, 2)
        );
        // The account locked: refused from every source.
        assert!(
            store
                .lock_password_account(TENANT, "u1", LockState::Until(UnixTime(500)), 2)
                .await
                .unwrap()
        );
        let elsewhere = store
            .reserve_password_attempt(
                TENANT,
                "u1",
                Some("10.0.0.2"),
                PASSWORD_BUDGET,
                UnixTime(499),
            )
            .await
            .unwrap();
        assert!(matches!(elsewhere, Reservation::Refused(_)));
    }
}

/// Reservations and releases race on the account row and the sources' rows at once, taking
/// them in every interleaving: none may fail (PostgreSQL would answer a deadlock with an
/// error), and every take and give-back counts exactly once.
#[tokio::test]
async fn racing_password_reservations_and_releases_neither_fail_nor_miscount() {
    const TASKS: usize = 48;
    const SOURCES: usize = 4;
    const ROUNDS: usize = 8;
    let roomy = PasswordBudget {
        account_max: 10_000,
    };
    for store in stores().await {
        let racers: Vec<_> = (0..TASKS)
            .map(|n| {
                let store = store.clone();
                tokio::spawn(async move {
                    let source = format!("10.0.1.{}", n % SOURCES);
                    // Take and give back, and take once more: one attempt stays counted per task.
                    for round in 0..=ROUNDS {
                        let taken = store
                            .reserve_password_attempt(
                                TENANT,
                                "raced",
                                Some(&source),
                                roomy,
                                UnixTime(100),
                            )
                            .await
                            .unwrap();
                        assert!(matches!(taken, Reservation::Taken(_)), "{taken:?}");
                        if round < ROUNDS {
                            store
                                .release_password_attempt(TENANT, "raced", Some(&source))
                                .await
                                .unwrap();
                        }
                    }
                })
            })
            .collect();
        for racer in racers {
            racer.await.unwrap();
        }
        for n in 0..SOURCES {
            let source = format!("10.0.1.{n}");
            let throttle = store
                .password_throttle(TENANT, "raced", Some(&source))
                .await
                .unwrap();
            assert_eq!(throttle.account.failures, TASKS as u32);
            assert_eq!(throttle.source.failures, (TASKS / SOURCES) as u32);
        }
    }
}
