//! The rules of one sign-in step, each in one place and pure: which proofs a request carries
//! (one variant per factor, parsed at the edge), whether a second factor may be tried (the
//! first-factor gate and the lock), what a TOTP code's verdicts come to (replay
//! classification), and what a counted failure earns (the attempt budget).
//!
//! The server does what needs keys, a thread pool or the database — opening seeds, hashing
//! codes, Argon2, webauthn-rs, reserving an attempt, the step's transaction — and hands the
//! results in as plain values.

mod budget;
mod gate;
mod proof;
mod totp;

pub use budget::{Failure, after_failure, after_failure_for, refused_reservation};
pub use gate::{Refusal, lock_refusal, second_factor_gate};
pub use proof::Proof;
pub use totp::{TotpDecision, TotpVerdict, decide_totp};

#[cfg(test)]
mod tests;
