//! One contract, every backend: SQLite always, PostgreSQL when TWOFOLD_TEST_DATABASE_URL is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(
    clippy::disallowed_methods,
    reason = "a test times how long an unreachable database takes to refuse"
)]

#[path = "../support/mod.rs"]
mod support;

mod admin_tokens;
mod authenticators;
mod concurrency;
mod events;
mod failed_steps;
mod groups;
mod lockout;
mod lockout_types;
mod push;
mod reservations;
mod security_questions;
mod sessions;
mod step_races;
mod steps;
mod tenant;
mod unavailable;
mod user_list;
mod users;
