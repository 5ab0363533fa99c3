//! What the server asks of a database, one trait per concept, so each backend answers a concept in
//! the file named for it. `Store` is all of them: a `dyn Store` answers every method without the
//! concept traits in scope; a backend implements each concept trait where its SQL lives.

mod admin_tokens;
mod apps;
mod auth_requests;
mod authenticators;
mod backup_codes;
mod captchas;
mod ceremonies;
mod challenges;
mod contacts;
mod devices;
mod events;
mod grants;
mod groups;
mod hits;
mod lockout;
mod login_throttle;
mod push;
mod reservations;
mod security_questions;
mod sessions;
mod setup_skips;
mod signing_keys;
mod steps;
mod tenants;
mod user_views;
mod users;

pub use admin_tokens::AdminTokens;
pub use apps::Apps;
pub use auth_requests::AuthRequests;
pub use authenticators::Authenticators;
pub use backup_codes::BackupCodes;
pub use captchas::Captchas;
pub use ceremonies::Ceremonies;
pub use challenges::Challenges;
pub use contacts::Contacts;
pub use devices::Devices;
pub use events::Events;
pub use grants::Grants;
pub use groups::Groups;
pub use hits::Hits;
pub use lockout::SecondFactorLockout;
pub use login_throttle::PasswordThrottles;
pub use push::{
    PushDevice, PushDevices, PushEnrolment, PushStart, StoredPushExchange, state_of, state_word,
    user_verified,
};
pub use reservations::{PasswordBudget, Reservation, Reservations, SecondFactorBudget};
pub use security_questions::{QuestionExchange, SecurityQuestions, StoredAnswer};
pub use sessions::Sessions;
pub use setup_skips::SetupSkips;
pub use signing_keys::SigningKeys;
pub use steps::{
    Applied, Consumption, Hit, Lock, LockWrite, PasswordRun, SessionWrite, SourceDelay, StepState,
    StepWrite, Steps,
};
pub use tenants::SettingsRevision;
pub use tenants::Tenants;
pub use user_views::{UserView, UserViews};
pub use users::Users;

/// Everything a Twofold server needs from its database.
pub trait Store:
    Tenants
    + AdminTokens
    + Users
    + SecondFactorLockout
    + PasswordThrottles
    + Authenticators
    + Ceremonies
    + BackupCodes
    + Captchas
    + Sessions
    + Challenges
    + Hits
    + Apps
    + AuthRequests
    + Grants
    + Devices
    + SigningKeys
    + Events
    + Steps
    + Reservations
    + Groups
    + Contacts
    + SetupSkips
    + SecurityQuestions
    + PushDevices
    + UserViews
{
}

impl<T> Store for T where
    T: Tenants
        + AdminTokens
        + Users
        + SecondFactorLockout
        + PasswordThrottles
        + Authenticators
        + Ceremonies
        + BackupCodes
        + Captchas
        + Sessions
        + Challenges
        + Hits
        + Apps
        + AuthRequests
        + Grants
        + Devices
        + SigningKeys
        + Events
        + Steps
        + Reservations
        + Groups
        + Contacts
        + SetupSkips
        + SecurityQuestions
        + PushDevices
        + UserViews
{
}
