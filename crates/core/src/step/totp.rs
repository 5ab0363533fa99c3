use crate::otp::TotpOutcome;

/// One usable TOTP authenticator's verdict on a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpVerdict<'a> {
    pub authenticator_id: &'a str,
    pub outcome: TotpOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TotpDecision {
    /// The code is right for this authenticator: the step spends `step` on it.
    Pass { authenticator_id: String, step: u64 },
    /// Wrong for every authenticator; `replayed` when it was right but spent for one of them.
    Fail { replayed: bool },
}

/// The first authenticator that accepts the code passes it; otherwise a code some
/// authenticator has already spent is a replay, and anything else is wrong.
pub fn decide_totp(verdicts: &[TotpVerdict<'_>]) -> TotpDecision {
    let mut replayed = false;
    for verdict in verdicts {
        match verdict.outcome {
            TotpOutcome::Accepted { step } => {
                return TotpDecision::Pass {
                    authenticator_id: verdict.authenticator_id.to_owned(),
                    step,
                };
            }
            TotpOutcome::Replayed => replayed = true,
            TotpOutcome::Wrong => {}
        }
    }
    TotpDecision::Fail { replayed }
}
