//! Risk scoring for SMART app mode, from signals the server sees itself. The score and its reasons
//! go on the session and into the audit event, so a decision can always be explained.

use serde::{Deserialize, Serialize};

use crate::UnixTime;
use crate::app::{AppMfa, AppMfaMode};

/// What the server knows about this sign-in attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Signals {
    /// The browser presented a valid trusted-device cookie for this user.
    pub known_device: bool,
    /// The client's network (a /24 or /48) was seen in a satisfied sign-in of this user before.
    pub known_network: bool,
    /// Failed checks of this user in the recent past ([`RECENT_FAILURES_SECONDS`]).
    pub recent_failures: u32,
    /// When the user last passed a second factor, if ever.
    pub last_second_factor_at: Option<UnixTime>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    UnknownDevice,
    NewNetwork,
    RecentFailures,
    StaleSecondFactor,
    NoSecondFactorYet,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskScore {
    /// 0 (nothing unusual) to 100.
    pub score: u8,
    pub reasons: Vec<Reason>,
}

const STALE_AFTER_SECONDS: u64 = 30 * 86_400;

/// How far back failed checks count as "recent".
pub const RECENT_FAILURES_SECONDS: u64 = 86_400;

/// Weights add up; each reason is named so the score can be explained.
pub fn score(signals: &Signals, now: UnixTime) -> RiskScore {
    let mut score: u32 = 0;
    let mut reasons = Vec::new();
    let mut add = |points: u32, reason: Reason| {
        score += points;
        reasons.push(reason);
    };
    if !signals.known_device {
        add(40, Reason::UnknownDevice);
    }
    if !signals.known_network {
        add(25, Reason::NewNetwork);
    }
    if signals.recent_failures > 0 {
        add(
            (signals.recent_failures * 10).min(30),
            Reason::RecentFailures,
        );
    }
    match signals.last_second_factor_at {
        None => add(30, Reason::NoSecondFactorYet),
        Some(at) if now.seconds_since(at) > STALE_AFTER_SECONDS => {
            add(20, Reason::StaleSecondFactor)
        }
        Some(_) => {}
    }
    RiskScore {
        score: u8::try_from(score.min(100)).unwrap_or(100),
        reasons,
    }
}

/// Whether the app's mode asks for a second factor in this sign-in.
pub fn app_requires_mfa(
    mfa: &AppMfa,
    risk: &RiskScore,
    last_second_factor_at: Option<UnixTime>,
    now: UnixTime,
) -> bool {
    match mfa.mode {
        AppMfaMode::Off => false,
        AppMfaMode::Always => true,
        AppMfaMode::TimeBased => {
            let period = mfa.period_seconds.unwrap_or(0);
            last_second_factor_at.is_none_or(|at| now.seconds_since(at) >= period)
        }
        AppMfaMode::Smart => risk.score >= mfa.risk_threshold.unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: UnixTime = UnixTime(100 * 86_400);

    #[test]
    fn a_familiar_sign_in_scores_nothing_and_a_strange_one_explains_itself() {
        let familiar = Signals {
            known_device: true,
            known_network: true,
            recent_failures: 0,
            last_second_factor_at: Some(UnixTime(NOW.0 - 3600)),
        };
        assert_eq!(
            score(&familiar, NOW),
            RiskScore {
                score: 0,
                reasons: vec![]
            }
        );
        let strange = Signals {
            known_device: false,
            known_network: false,
            recent_failures: 5,
            last_second_factor_at: None,
        };
        let scored = score(&strange, NOW);
        assert_eq!(scored.score, 100);
        assert_eq!(
            scored.reasons,
            vec![
                Reason::UnknownDevice,
                Reason::NewNetwork,
                Reason::RecentFailures,
                Reason::NoSecondFactorYet
            ]
        );
        let stale = Signals {
            last_second_factor_at: Some(UnixTime(0)),
            ..familiar
        };
        assert_eq!(
            score(&stale, NOW),
            RiskScore {
                score: 20,
                reasons: vec![Reason::StaleSecondFactor]
            }
        );
    }

    #[test]
    fn each_app_mode_decides_at_its_boundary() {
        let low = RiskScore {
            score: 39,
            reasons: vec![],
        };
        let high = RiskScore {
            score: 40,
            reasons: vec![Reason::UnknownDevice],
        };
        let hour_ago = Some(UnixTime(NOW.0 - 3600));
        let mode = |mode, period_seconds, risk_threshold| AppMfa {
            mode,
            period_seconds,
            risk_threshold,
            ..AppMfa::default()
        };
        assert!(!app_requires_mfa(
            &mode(AppMfaMode::Off, None, None),
            &high,
            None,
            NOW
        ));
        assert!(app_requires_mfa(
            &mode(AppMfaMode::Always, None, None),
            &low,
            hour_ago,
            NOW
        ));
        let timed = mode(AppMfaMode::TimeBased, Some(3600), None);
        assert!(
            app_requires_mfa(&timed, &low, hour_ago, NOW),
            "exactly one period ago"
        );
        assert!(!app_requires_mfa(
            &timed,
            &low,
            Some(UnixTime(NOW.0 - 3599)),
            NOW
        ));
        assert!(app_requires_mfa(&timed, &low, None, NOW), "never");
        let smart = mode(AppMfaMode::Smart, None, Some(40));
        assert!(app_requires_mfa(&smart, &high, hour_ago, NOW));
        assert!(!app_requires_mfa(&smart, &low, hour_ago, NOW));
    }
}
