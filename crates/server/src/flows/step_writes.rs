//! What a sign-in step has decided to write, held until its one transaction: single-use proofs
//! it spends, runs of failures its passes end, its events, and the attempts it reserved (given
//! back when the step does not commit).

use twofold_core::Factor;
use twofold_core::lockout::{Counter, SecondFactorGate, UnlockWith};
use twofold_core::user::User;
use twofold_store::{Applied, Consumption, NewEvent, PasswordRun, SessionWrite, StepWrite};

use crate::error::Error;
use crate::state::Inner;

/// An attempt a check reserved before it was evaluated.
#[derive(Debug, Clone)]
pub(super) enum Reserved {
    SecondFactor {
        user_id: String,
    },
    /// One of the lock's unlock attempts (a backup code, or the questions, while locked).
    Unlock {
        user_id: String,
    },
    Password {
        tenant_id: String,
        subject: String,
        source: Option<String>,
    },
}

/// How a single-use proof that another request spent first is told: as a failure of the check
/// that spent it, counted by the attempt it reserved.
#[derive(Debug, Clone)]
pub(super) struct LostAs {
    pub user: User,
    pub factor: Factor,
    pub reason: &'static str,
    /// The user's counter after the attempt was counted; `None` when nothing was reserved (a
    /// passkey before any first factor): the check fails without counting.
    pub counter: Option<Counter>,
    /// An unlock attempt (a backup code while locked): told as a failed unlock, not as a failure
    /// of the budget.
    pub unlock: Option<Unlocking>,
}

/// An unlock attempt that was reserved: what held when it was made, how it unlocks, and the
/// lock's unlock failures after it was counted.
#[derive(Debug, Clone, Copy)]
pub(super) struct Unlocking {
    pub gate: SecondFactorGate,
    pub with: UnlockWith,
    pub failures: u32,
}

/// One passed check's writes.
#[derive(Debug, Clone, Default)]
pub(super) struct Pass {
    pub consume: Option<(Consumption, LostAs)>,
    pub reserved: Option<Reserved>,
}

/// A step's writes until it applies them.
#[derive(Debug, Default)]
pub(super) struct Pending {
    passes: Vec<Pass>,
    clear_second_factor: Vec<String>,
    lift_second_factor_lock: Vec<String>,
    clear_password: Vec<PasswordRun>,
    events: Vec<NewEvent>,
    /// The ALTCHA payload the request carried (`checks.captcha`), until an attempt spends it.
    captcha: Option<String>,
}

/// What became of a step's writes.
pub(super) enum Outcome {
    Committed,
    /// The session's token changed under the step: nothing committed, reservations given back.
    TokenLost,
    /// A single-use proof was spent first elsewhere: nothing committed, the other passes'
    /// reservations given back; this check failed.
    Lost(Box<LostAs>),
}

impl Pending {
    pub(super) fn pass(&mut self, pass: Pass) {
        self.passes.push(pass);
    }

    /// A passed check ends the user's run of second-factor failures, with the step.
    pub(super) fn clear_second_factor(&mut self, user_id: &str) {
        if !self.clear_second_factor.iter().any(|u| u == user_id) {
            self.clear_second_factor.push(user_id.to_owned());
        }
    }

    /// A passed unlock lifts the user's second-factor lock and ends the run, with the step.
    pub(super) fn lift_second_factor_lock(&mut self, user_id: &str) {
        if !self.lift_second_factor_lock.iter().any(|u| u == user_id) {
            self.lift_second_factor_lock.push(user_id.to_owned());
        }
    }

    /// The captcha payload the request carried, for the first attempt that needs one.
    pub(super) fn offer_captcha(&mut self, payload: Option<String>) {
        self.captcha = payload;
    }

    /// Whether the request carries a payload not yet taken by an attempt.
    pub(super) fn has_captcha(&self) -> bool {
        self.captcha.is_some()
    }

    /// The payload, taken: a solved captcha lets one attempt through.
    pub(super) fn take_captcha(&mut self) -> Option<String> {
        self.captcha.take()
    }

    pub(super) fn clear_password(&mut self, run: PasswordRun) {
        self.clear_password.push(run);
    }

    pub(super) fn event(&mut self, event: NewEvent) {
        self.events.push(event);
    }

    /// The step will not commit: every attempt its passes reserved goes back.
    pub(super) async fn release(&self, state: &Inner) -> Result<(), Error> {
        for pass in &self.passes {
            release(state, pass.reserved.as_ref()).await?;
        }
        Ok(())
    }

    /// Writes the step in one transaction with the session's own write.
    pub(super) async fn apply(
        self,
        state: &Inner,
        session: SessionWrite,
    ) -> Result<Outcome, Error> {
        let mut write = StepWrite::new(session);
        let mut spent_by = Vec::new();
        for (index, pass) in self.passes.iter().enumerate() {
            if let Some((consumption, _)) = &pass.consume {
                write.consume.push(consumption.clone());
                spent_by.push(index);
            }
        }
        write.clear_second_factor = self.clear_second_factor;
        write.lift_second_factor_lock = self.lift_second_factor_lock;
        write.clear_password = self.clear_password;
        write.events = self.events;
        match state.store.apply_step(&write).await? {
            Applied::Committed { .. } => {
                for event in &write.events {
                    state.metrics.count_event(event.kind);
                }
                Ok(Outcome::Committed)
            }
            Applied::TokenLost => {
                for pass in &self.passes {
                    release(state, pass.reserved.as_ref()).await?;
                }
                Ok(Outcome::TokenLost)
            }
            Applied::ConsumptionLost(index) => {
                let lost = spent_by.get(index).copied();
                let mut told = None;
                for (at, pass) in self.passes.into_iter().enumerate() {
                    match (Some(at) == lost, pass.consume) {
                        // Its reservation stays: a proof spent before counts as a failure.
                        (true, Some((_, lost_as))) => told = Some(lost_as),
                        _ => release(state, pass.reserved.as_ref()).await?,
                    }
                }
                told.map(|lost| Outcome::Lost(Box::new(lost)))
                    .ok_or_else(|| {
                        Error::Internal("the store named a consumption the step did not ask".into())
                    })
            }
        }
    }
}

async fn release(state: &Inner, reserved: Option<&Reserved>) -> Result<(), Error> {
    match reserved {
        None => {}
        Some(Reserved::SecondFactor { user_id }) => {
            state.store.release_second_factor_attempt(user_id).await?;
        }
        Some(Reserved::Unlock { user_id }) => {
            state.store.release_unlock_attempt(user_id).await?;
        }
        Some(Reserved::Password {
            tenant_id,
            subject,
            source,
        }) => {
            state
                .store
                .release_password_attempt(tenant_id, subject, source.as_deref())
                .await?;
        }
    }
    Ok(())
}
