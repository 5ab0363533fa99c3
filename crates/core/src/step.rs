//! The rules of one sign-in step, each in one place and pure: which proofs a request carries
//! (one variant per factor, parsed at the edge), whether a second factor may be tried (the
//! first-factor gate and the lock), what a TOTP code's verdicts come to (replay
//! classification), and what a failed check answers and writes (`failure.rs`: the attempt
//! budget, the captcha threshold, the lock and the source's wait).
//!
//! The server does what needs keys, a thread pool or the database — opening seeds, hashing
//! codes, Argon2, webauthn-rs, reserving an attempt, the step's transaction — and hands the
//! results in as plain values.

mod admit;
mod budget;
mod failure;
mod gate;
mod proof;
mod totp;

pub use admit::{Admission, Budget, admit};
pub use budget::refused_reservation;
pub use failure::{
    FailureDecision, FailureEffect, PasswordFailure, REPLAYED, SecondFactorFailure,
    password_failed, second_factor_failed,
};
pub use gate::{Refusal, lock_refusal, second_factor_gate};
pub use proof::Proof;
pub use totp::{TotpDecision, TotpVerdict, decide_totp};

#[cfg(test)]
mod tests;
