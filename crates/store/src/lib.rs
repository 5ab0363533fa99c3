//! Twofold's persistence. The [`Store`] trait speaks the domain: every operation that must
//! agree across server nodes (failure counters, TOTP steps, single-use codes, token rotation) is
//! one conditional update in the database, so no transaction handle ever crosses the trait.

mod backend;
mod error;
mod events;
mod postgres;
mod sqlite;
mod store;

pub use backend::{Backend, StoreOptions, open};
pub use error::StoreError;
pub use events::{EventQuery, NewEvent, StoredEvent, UserQuery};
pub use store::{
    AdminTokens, Applied, Apps, AuthRequests, Authenticators, BackupCodes, Captchas, Ceremonies,
    Challenges, Consumption, Contacts, Devices, Events, Grants, Groups, Hit, Hits, Lock, LockWrite,
    PasswordBudget, PasswordRun, PasswordThrottles, PushDevice, PushDevices, PushEnrolment,
    PushStart, Reservation, Reservations, SecondFactorBudget, SecondFactorLockout, SessionWrite,
    Sessions, SettingsRevision, SetupSkips, SigningKeys, SourceDelay, StepState, StepWrite, Steps,
    Store, StoredPushExchange, Tenants, UserView, UserViews, Users,
};
pub use store::{QuestionExchange, SecurityQuestions, StoredAnswer};
