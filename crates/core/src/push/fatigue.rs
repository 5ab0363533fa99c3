//! Fatigue limits: one pending push per user, and a pause after too many refused ones, so nobody
//! can wear a person down into approving a push they did not start.

use super::FatiguePolicy;
use crate::UnixTime;

/// Whether a new push may be sent to the user now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushGate {
    Allowed,
    /// A push is waiting for an answer until then. The session that asked for it gets it back;
    /// any other is refused, since the number belongs to the first session's screen.
    Pending {
        expires_at: UnixTime,
    },
    /// Push is paused for the user until then (event `push.fatigue` when it starts); other
    /// factors still work.
    Paused {
        until: UnixTime,
    },
}

/// When the pause that `refusals` (times of denied, wrong-number or unanswered pushes) impose
/// ends, if one holds at `now`: once fewer than `max_unanswered` are left in the window.
pub fn fatigue_pause(
    policy: &FatiguePolicy,
    refusals: &[UnixTime],
    now: UnixTime,
) -> Option<UnixTime> {
    let since = now.minus_seconds(policy.window_seconds);
    let mut recent: Vec<UnixTime> = refusals
        .iter()
        .copied()
        .filter(|at| *at > since && *at <= now)
        .collect();
    recent.sort_unstable();
    let max = policy.max_unanswered as usize;
    // With n in the window, the pause ends when the (n - max + 1)-th oldest leaves it.
    recent
        .len()
        .checked_sub(max)
        .and_then(|i| recent.get(i))
        .map(|at| at.plus_seconds(policy.window_seconds))
}

/// The gate for a new push. `pending`: when the user's live pending push expires, if any.
pub fn push_gate(
    policy: &FatiguePolicy,
    pending: Option<UnixTime>,
    refusals: &[UnixTime],
    now: UnixTime,
) -> PushGate {
    if let Some(until) = fatigue_pause(policy, refusals, now) {
        return PushGate::Paused { until };
    }
    match pending {
        Some(expires_at) if now < expires_at => PushGate::Pending { expires_at },
        _ => PushGate::Allowed,
    }
}
