//! One push: the number shown, what the device answered, and what a session check makes of it.

use serde::{Deserialize, Serialize};

use super::PushPolicy;
use crate::UnixTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PushDecision {
    Approve,
    Deny,
}

impl PushDecision {
    pub fn as_str(self) -> &'static str {
        match self {
            PushDecision::Approve => "approve",
            PushDecision::Deny => "deny",
        }
    }
}

/// Where an exchange stands, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushState {
    Pending,
    Approved {
        user_verified: bool,
    },
    Denied,
    /// Approved with another number than the one shown: a failure, and the end of the exchange.
    WrongNumber,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushExchange {
    pub id: String,
    pub user_id: String,
    /// The device asked.
    pub authenticator_id: String,
    /// The session whose login screen shows the number: only it may check the exchange.
    pub session_id: String,
    pub number: u8,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    pub state: PushState,
}

/// What a device's (signature-verified) answer does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerOutcome {
    /// Store `state` (only if the exchange is still pending: of two answers one wins).
    Recorded(PushState),
    /// Too late: the exchange expired unanswered.
    Expired,
    /// Answered before; nothing changes.
    AlreadyAnswered,
}

/// What `checks.push {exchange_id}` finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushCheck {
    Passed {
        user_verified: bool,
    },
    /// No answer yet: poll again or wait, until `expires_at`.
    Waiting {
        expires_at: UnixTime,
    },
    /// Denied by the device: the check fails and a new push must be asked for.
    Denied,
    /// A wrong number was typed: the check fails (counted when the answer came).
    WrongNumber,
    Expired,
}

impl PushExchange {
    pub fn new(
        id: String,
        user_id: String,
        authenticator_id: String,
        session_id: String,
        number: u8,
        now: UnixTime,
        policy: &PushPolicy,
    ) -> PushExchange {
        PushExchange {
            id,
            user_id,
            authenticator_id,
            session_id,
            number,
            created_at: now,
            expires_at: now.plus_seconds(policy.ttl_seconds),
            state: PushState::Pending,
        }
    }

    pub fn is_expired(&self, now: UnixTime) -> bool {
        self.state == PushState::Pending && now >= self.expires_at
    }

    /// Whether the exchange waits for this device's answer now (what a signed fetch lists).
    pub fn is_pending_for(&self, authenticator_id: &str, now: UnixTime) -> bool {
        self.state == PushState::Pending
            && now < self.expires_at
            && self.authenticator_id == authenticator_id
    }

    /// The device's answer, its signature already verified against the exchange's device.
    /// An approval needs the number shown; a denial needs none (the person may not have seen
    /// the screen at all, which is the point of saying no).
    pub fn answer(
        &self,
        decision: PushDecision,
        typed_number: u8,
        user_verified: bool,
        now: UnixTime,
    ) -> AnswerOutcome {
        if self.state != PushState::Pending {
            return AnswerOutcome::AlreadyAnswered;
        }
        if now >= self.expires_at {
            return AnswerOutcome::Expired;
        }
        AnswerOutcome::Recorded(match decision {
            PushDecision::Deny => PushState::Denied,
            PushDecision::Approve if typed_number == self.number => {
                PushState::Approved { user_verified }
            }
            PushDecision::Approve => PushState::WrongNumber,
        })
    }

    /// What a check of this exchange finds now.
    pub fn check(&self, now: UnixTime) -> PushCheck {
        match self.state {
            PushState::Approved { user_verified } => PushCheck::Passed { user_verified },
            PushState::Denied => PushCheck::Denied,
            PushState::WrongNumber => PushCheck::WrongNumber,
            PushState::Pending if now >= self.expires_at => PushCheck::Expired,
            PushState::Pending => PushCheck::Waiting {
                expires_at: self.expires_at,
            },
        }
    }
}

impl PushState {
    /// A wrong number spends the user's second-factor budget like a wrong code. A denial is the
    /// person refusing, not a guess: it counts only towards fatigue.
    pub fn counts_as_failure(self) -> bool {
        self == PushState::WrongNumber
    }

    /// Denials and wrong numbers count towards pausing push (so do pushes left unanswered).
    pub fn counts_towards_fatigue(self) -> bool {
        matches!(self, PushState::Denied | PushState::WrongNumber)
    }
}
