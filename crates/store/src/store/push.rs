use crate::StoreError;
use async_trait::async_trait;
use twofold_core::UnixTime;
use twofold_core::authenticator::Authenticator;
use twofold_core::push::{PushExchange, PushState};
use twofold_core::secrets::TokenHash;

/// A one-time code that lets a device attach itself to a pending push authenticator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushEnrolment {
    /// Keyed hash of the code: the code itself is shown once, in the enrolment URI.
    pub code_hash: TokenHash,
    pub tenant_id: String,
    pub user_id: String,
    pub authenticator_id: String,
    pub expires_at: UnixTime,
}

/// A push authenticator with the tenant of its user: a device calls without naming one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushDevice {
    pub authenticator: Authenticator,
    pub tenant_id: String,
}

/// An exchange as stored: the domain's exchange and what the device is shown about the sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPushExchange {
    pub exchange: PushExchange,
    pub tenant_id: String,
    /// The app (client id) the sign-in is for, if it named one.
    pub app: Option<String>,
    pub client_ip: Option<String>,
}

/// What starting an exchange did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushStart {
    Started,
    /// The user already has a pending, unexpired exchange; nothing was stored.
    Waiting(StoredPushExchange),
}

/// Push devices' enrolment codes, the exchanges sign-ins wait on, and fatigue pauses.
#[async_trait]
pub trait PushDevices: Send + Sync {
    async fn insert_push_enrolment(&self, enrolment: &PushEnrolment) -> Result<(), StoreError>;

    /// Takes (deletes) an unexpired enrolment code: `Some` for exactly one caller.
    async fn take_push_enrolment(
        &self,
        code_hash: &TokenHash,
        now: UnixTime,
    ) -> Result<Option<PushEnrolment>, StoreError>;

    /// Gives a pending push authenticator its device's name, params (public key, enrolment
    /// challenge) and sealed push token; only while pending.
    async fn attach_push_device(
        &self,
        id: &str,
        name: &str,
        params: &serde_json::Value,
        sealed_token: Option<&[u8]>,
    ) -> Result<bool, StoreError>;

    /// A push authenticator by id, with its user's tenant.
    async fn push_device(&self, id: &str) -> Result<Option<PushDevice>, StoreError>;

    /// Stores a new pending exchange unless the user has one pending and unexpired; a pending one
    /// past its expiry is marked expired first. One pending per user holds under races.
    async fn start_push_exchange(
        &self,
        exchange: &StoredPushExchange,
        now: UnixTime,
    ) -> Result<PushStart, StoreError>;

    async fn push_exchange(&self, id: &str) -> Result<Option<StoredPushExchange>, StoreError>;

    /// The device's pending, unexpired exchanges, oldest first.
    async fn pending_push_exchanges(
        &self,
        authenticator_id: &str,
        now: UnixTime,
    ) -> Result<Vec<StoredPushExchange>, StoreError>;

    /// Records an answer while the exchange is pending and unexpired: true for the first answer.
    async fn answer_push_exchange(
        &self,
        id: &str,
        state: PushState,
        now: UnixTime,
    ) -> Result<bool, StoreError>;

    /// When the user's denied, wrong-number and unanswered (expired) pushes ended, for those
    /// after `since`.
    async fn push_refusals(
        &self,
        user_id: &str,
        since: UnixTime,
        now: UnixTime,
    ) -> Result<Vec<UnixTime>, StoreError>;

    /// Records a fatigue pause until `until`; true when it is new (later than the one stored).
    async fn note_push_pause(&self, user_id: &str, until: UnixTime) -> Result<bool, StoreError>;
}

/// The stored word for a state; an approval keeps whether the device verified the person in its
/// own column.
pub fn state_word(state: PushState) -> &'static str {
    match state {
        PushState::Pending => "pending",
        PushState::Approved { .. } => "approved",
        PushState::Denied => "denied",
        PushState::WrongNumber => "wrong_number",
    }
}

/// The state a stored word and flag stand for; `expired` is a pending exchange past its time.
pub fn state_of(word: &str, user_verified: bool) -> Option<PushState> {
    Some(match word {
        "pending" | "expired" => PushState::Pending,
        "approved" => PushState::Approved { user_verified },
        "denied" => PushState::Denied,
        "wrong_number" => PushState::WrongNumber,
        _ => return None,
    })
}

pub fn user_verified(state: PushState) -> bool {
    matches!(
        state,
        PushState::Approved {
            user_verified: true
        }
    )
}
