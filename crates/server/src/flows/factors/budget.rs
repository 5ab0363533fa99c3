//! The user's second-factor attempt budget, shared by every guessable factor: an attempt is
//! reserved before a guess is evaluated, a pass gives it back, a failure is counted and may lock.

use twofold_core::Factor;
use twofold_core::UnixTime;
use twofold_core::check::CheckOutcome;
use twofold_core::lockout::{Counter, LockMode, SecondFactorGate, UnlockPaths};
use twofold_core::settings::LoginSettings;
use twofold_core::step::{self, Admission, Budget, SecondFactorFailure};
use twofold_core::user::User;
use twofold_store::{Consumption, Reservation, SecondFactorBudget};

use super::captcha;
use crate::error::Error;
use crate::flows::Ctx;
use crate::flows::failure_writes::{About, FailureWrite};
use crate::flows::step_writes::{LostAs, Pass, Pending, Reserved};
use crate::state::Inner;

/// What holds for the user's second factors now, under the tenant's lockout type.
pub(in crate::flows) async fn gate(
    state: &Inner,
    settings: &LoginSettings,
    user: &User,
    now: UnixTime,
) -> Result<SecondFactorGate, Error> {
    let paths = unlock_paths(state, settings, user).await?;
    Ok(settings
        .lockout
        .second_factor_gate(user.second_factor, paths, now))
}

/// What the user has that can lift a lock. Only the security-questions type asks, so only it
/// reads the authenticators.
async fn unlock_paths(
    state: &Inner,
    settings: &LoginSettings,
    user: &User,
) -> Result<UnlockPaths, Error> {
    if settings.lockout.mode != LockMode::SecurityQuestions {
        return Ok(UnlockPaths::default());
    }
    let authenticators = state.store.authenticators_of(&user.id).await?;
    Ok(UnlockPaths {
        security_questions: authenticators
            .iter()
            .any(|a| a.factor == Factor::SecurityQuestions && a.is_usable()),
    })
}

/// Takes one of the user's second-factor attempts before a guess is evaluated, or answers the
/// lock: however many guesses race, no more are evaluated than the budget allows. Under the
/// captcha type, past its threshold the attempt first spends the request's solved captcha
/// (`captcha_required` without one).
pub(in crate::flows) async fn reserve(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user: &User,
    factor: Factor,
    pending: &mut Pending,
) -> Result<Result<Counter, CheckOutcome>, Error> {
    reserve_with(state, ctx, settings, user, factor, Some(pending)).await
}

/// [`reserve`] for a proof outside a sign-in step (a new authenticator's or contact's code):
/// its caller is an administrator or a signed-in session, so no captcha is asked; the attempt
/// still counts towards every lock.
pub(in crate::flows) async fn reserve_outside_step(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user: &User,
    factor: Factor,
) -> Result<Result<Counter, CheckOutcome>, Error> {
    reserve_with(state, ctx, settings, user, factor, None).await
}

/// `step`: the sign-in step whose captcha payload an attempt past the threshold spends; `None`
/// asks none.
async fn reserve_with(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user: &User,
    factor: Factor,
    mut step: Option<&mut Pending>,
) -> Result<Result<Counter, CheckOutcome>, Error> {
    let gate = gate(state, settings, user, ctx.now).await?;
    let offered = step.as_deref().is_some_and(Pending::has_captcha);
    let mut captcha_solved = match step::admit(factor, gate, offered) {
        Admission::Try(Budget::SecondFactor { captcha: false }) => false,
        Admission::Try(Budget::SecondFactor { captcha: true }) => {
            if let Some(pending) = step.as_deref_mut() {
                captcha::spend(state, ctx, settings, pending.take_captcha().as_deref()).await?;
            }
            true
        }
        Admission::Refuse(locked) => return Ok(Err(locked)),
        // A backup code is sent to the unlock budget before it reserves here; one that reaches
        // this under a lock is refused as the lock.
        Admission::Try(Budget::Unlock) => {
            return Ok(Err(step::refused_reservation(user.second_factor, ctx.now)));
        }
    };
    let policy = &settings.lockout;
    loop {
        let budget = SecondFactorBudget {
            max_attempts: policy.reservable_below(captcha_solved),
            ceiling: policy.max_consecutive_failures,
        };
        match state
            .store
            .reserve_second_factor_attempt(&user.id, budget, ctx.now)
            .await?
        {
            Reservation::Taken(counter) => return Ok(Ok(counter)),
            // Failures racing in since the user was read reached the captcha's threshold.
            Reservation::Refused(counter)
                if policy.mode == LockMode::Captcha
                    && !captcha_solved
                    && !counter.lock.is_locked(ctx.now)
                    && counter.run < policy.max_consecutive_failures =>
            {
                if let Some(pending) = step.as_deref_mut() {
                    captcha::spend(state, ctx, settings, pending.take_captcha().as_deref()).await?;
                }
                captcha_solved = true;
            }
            // Spent by guesses still in flight, or locked since the user was read.
            Reservation::Refused(counter) => {
                return Ok(Err(step::refused_reservation(counter, ctx.now)));
            }
        }
    }
}

/// A passed check whose attempt was reserved: the step's transaction spends the proof, gives the
/// attempt back and ends the run of failures, all or nothing.
pub(in crate::flows) fn passed_reserved(
    user: &User,
    factor: Factor,
    ctx: &Ctx,
    pending: &mut Pending,
    consume: Option<(Consumption, &'static str)>,
    counter: Counter,
) -> CheckOutcome {
    pending.pass(Pass {
        consume: consume.map(|(consumption, reason)| {
            let lost = LostAs {
                user: user.clone(),
                factor,
                reason,
                counter: Some(counter),
                unlock: None,
            };
            (consumption, lost)
        }),
        reserved: Some(Reserved::SecondFactor {
            user_id: user.id.clone(),
        }),
    });
    passed(user, factor, ctx, pending)
}

/// A passed second factor: ends the run of failures and the escalation with it, in the step's
/// transaction.
pub(in crate::flows) fn passed(
    user: &User,
    factor: Factor,
    ctx: &Ctx,
    pending: &mut Pending,
) -> CheckOutcome {
    pending.clear_second_factor(&user.id);
    CheckOutcome::Passed {
        factor,
        at: ctx.now,
    }
}

/// Answers a counted second-factor failure as the step's rules decide it (recorded, locked when
/// the budget is spent, blocked at the ceiling) and writes it in one transaction, the session
/// left as it is. `counter` is the user's counter after this failure was counted (by its
/// reservation).
pub(in crate::flows) async fn failed_reserved(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user: &User,
    factor: Factor,
    reason: &str,
    counter: Counter,
) -> Result<CheckOutcome, Error> {
    let (outcome, write) = failure_of(state, ctx, settings, user, factor, reason, counter).await?;
    write.commit(state).await?;
    Ok(outcome)
}

/// [`failed_reserved`]'s answer and writes, not yet committed: for a caller with an event of its
/// own to write in the same transaction.
pub(in crate::flows) async fn failure_of(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user: &User,
    factor: Factor,
    reason: &str,
    counter: Counter,
) -> Result<(CheckOutcome, FailureWrite), Error> {
    let failure = SecondFactorFailure {
        factor,
        reason,
        counter,
        paths: unlock_paths(state, settings, user).await?,
    };
    let decision = step::second_factor_failed(&settings.lockout, failure, ctx.now);
    let about = About {
        subject: &user.id,
        user_id: Some(&user.id),
    };
    let write = FailureWrite::of(ctx, settings, about, &decision.effects);
    Ok((decision.outcome, write))
}
