//! Whether a second-factor guess may be tried under the lock that holds for the user, and from
//! which budget: decided before any work, so a refused guess costs nothing and changes nothing.

use crate::Factor;
use crate::check::CheckOutcome;
use crate::lockout::SecondFactorGate;

/// The budget an admitted guess reserves an attempt from before it is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// The user's second-factor budget; `captcha`: the attempt spends the request's solved
    /// captcha first (the captcha type, past its threshold).
    SecondFactor { captcha: bool },
    /// The lock's own small unlock budget: a backup code as the way out of a lock, or the
    /// security questions as the way out of a security-questions lock.
    Unlock,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    Try(Budget),
    /// Not tried: the lock answers.
    Refuse(CheckOutcome),
}

/// `gate` is what holds for the user's second factors now; `captcha_offered`: the request
/// carries a captcha payload (not yet verified). While a lock holds, only a backup code is tried
/// (against the unlock budget, which decides whether this lock can be lifted), and the security
/// questions against a lock that answering them lifts; a captcha that is due is spent by the
/// attempt, and a backup code without one is an unlock instead.
pub fn admit(factor: Factor, gate: SecondFactorGate, captcha_offered: bool) -> Admission {
    let unlock = factor == Factor::BackupCode;
    match gate {
        SecondFactorGate::QuestionsRequired if factor == Factor::SecurityQuestions => {
            Admission::Try(Budget::Unlock)
        }
        SecondFactorGate::Open => Admission::Try(Budget::SecondFactor { captcha: false }),
        SecondFactorGate::CaptchaRequired if unlock && !captcha_offered => {
            Admission::Try(Budget::Unlock)
        }
        SecondFactorGate::CaptchaRequired => Admission::Try(Budget::SecondFactor { captcha: true }),
        _ if unlock => Admission::Try(Budget::Unlock),
        SecondFactorGate::Suspended { until } => {
            Admission::Refuse(CheckOutcome::Locked { until: Some(until) })
        }
        SecondFactorGate::QuestionsRequired | SecondFactorGate::Blocked => {
            Admission::Refuse(CheckOutcome::Locked { until: None })
        }
    }
}
