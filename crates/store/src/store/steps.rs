use crate::{NewEvent, StoreError};
use async_trait::async_trait;
use twofold_core::UnixTime;
use twofold_core::authenticator::Authenticator;
use twofold_core::lockout::LockState;
use twofold_core::quota::Scope;
use twofold_core::secrets::TokenHash;
use twofold_core::session::Session;
use twofold_core::user::User;

/// Everything a sign-in step reads before it decides, loaded in one call.
#[derive(Debug, Clone)]
pub struct StepState {
    pub session: Session,
    /// The session's current token: the step's writes are conditional on it.
    pub token: TokenHash,
    /// The session's user; `None` before one is named, or for a stand-in (a name nobody has).
    pub user: Option<User>,
    /// The user's authenticators in enrolment order (none without a user).
    pub authenticators: Vec<Authenticator>,
}

/// How a step leaves its session.
#[derive(Debug, Clone)]
pub enum SessionWrite {
    /// A new session under its first token.
    Insert { session: Session, token: TokenHash },
    /// The session saved under `next`, only while `expected` is still its token.
    Rotate {
        session: Session,
        expected: TokenHash,
        next: TokenHash,
    },
    /// The session is not written (a refused step still records its failures).
    Keep,
}

/// A single-use proof spent by a step; each is conditional and the step commits only if all are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Consumption {
    /// The authenticator's last accepted TOTP step becomes `step`, only if it is newer.
    TotpStep {
        authenticator_id: String,
        step: u64,
        at: UnixTime,
    },
    /// The backup code is marked used, only if unused.
    BackupCode {
        user_id: String,
        code_hash: TokenHash,
        at: UnixTime,
    },
    /// The SMS or email challenge is deleted, only if it is still there.
    Challenge { id: String },
    /// The security-questions exchange is ended, only if it is still pending.
    QuestionExchange { id: String },
    /// A WebAuthn credential saved after an assertion, only if its signature counter moves
    /// forward (or stays 0, for authenticators that keep none): of two assertions racing with
    /// one counter, one spends it.
    CredentialCounter {
        authenticator_id: String,
        credential: serde_json::Value,
        counter: u32,
        at: UnixTime,
    },
}

/// The password runs a passed password ends: its source's and the account's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordRun {
    pub tenant_id: String,
    pub subject: String,
    pub source: Option<String>,
}

/// Everything one step writes, applied atomically by [`Steps::apply_step`].
#[derive(Debug, Clone)]
pub struct StepWrite {
    pub session: SessionWrite,
    pub consume: Vec<Consumption>,
    /// Users whose second-factor run a passed check ends (failures, run, escalation to zero).
    pub clear_second_factor: Vec<String>,
    /// Users whose second-factor lock a passed unlock (a backup code while locked) lifts: the
    /// counters as a pass clears them, and the lock and its unlock failures with them.
    pub lift_second_factor_lock: Vec<String>,
    /// Password runs a passed password ends.
    pub clear_password: Vec<PasswordRun>,
    /// Appended in this order, after everything else but the lock's event.
    pub events: Vec<NewEvent>,
    /// What a failed check counts over rolling windows (recent failures, failed passwords per
    /// address); older rows are pruned with them.
    pub hits: Vec<Hit>,
    /// The wait a failed password starts for its source; of two racing, the longer stands.
    pub delay_password_source: Option<SourceDelay>,
    /// The lock a failure earned, taken only while its budget is still spent; its event is
    /// appended last, and only when this step's lock landed (of failures racing to one lock,
    /// exactly one tells it).
    pub lock: Option<LockWrite>,
}

/// One row of a rolling-window count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub tenant_id: String,
    pub scope: Scope,
    pub key: String,
    pub at: UnixTime,
}

/// A password source made to wait until `until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceDelay {
    pub tenant_id: String,
    pub subject: String,
    pub source: String,
    pub until: UnixTime,
}

/// Which budget a lock closes, and the spent state it is conditional on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lock {
    /// The user's second factor: only while `max_attempts` failures are counted, or the run has
    /// reached `ceiling` (as [`crate::SecondFactorLockout::lock_second_factor`]).
    SecondFactor {
        user_id: String,
        state: LockState,
        max_attempts: u32,
        ceiling: u32,
    },
    /// A login name's account-wide password run: only while its failures are at `ceiling` (as
    /// [`crate::PasswordThrottles::lock_password_account`]).
    PasswordAccount {
        tenant_id: String,
        subject: String,
        state: LockState,
        ceiling: u32,
    },
}

/// A conditional lock with the event that tells it.
#[derive(Debug, Clone)]
pub struct LockWrite {
    pub lock: Lock,
    pub event: NewEvent,
}

impl StepWrite {
    pub fn new(session: SessionWrite) -> StepWrite {
        StepWrite {
            session,
            consume: Vec::new(),
            clear_second_factor: Vec::new(),
            lift_second_factor_lock: Vec::new(),
            clear_password: Vec::new(),
            events: Vec::new(),
            hits: Vec::new(),
            delay_password_source: None,
            lock: None,
        }
    }
}

/// What became of a step's writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Everything committed; `locked` when the step's [`StepWrite::lock`] landed (and its event
    /// with it).
    Committed { locked: bool },
    /// The session's token was no longer `expected` (or the session is gone): nothing committed.
    TokenLost,
    /// The consumption at this index of [`StepWrite::consume`] was already spent: nothing
    /// committed.
    ConsumptionLost(usize),
}

/// A sign-in step as the store sees it: one read, one atomic write.
#[async_trait]
pub trait Steps: Send + Sync {
    /// The session with its token, its user and the user's authenticators, as of one moment.
    async fn load_step(&self, session_id: &str) -> Result<Option<StepState>, StoreError>;

    /// One transaction: the session write first (insert, or update conditional on the token),
    /// then each consumption, the clears, the events, the hits, the source's wait and the lock
    /// with its event. When the token's compare-and-set or any consumption loses, it rolls back
    /// and nothing of the step is written. A failed step writes with [`SessionWrite::Keep`]:
    /// its failures commit without the session (and whatever its token has become).
    async fn apply_step(&self, write: &StepWrite) -> Result<Applied, StoreError>;
}
