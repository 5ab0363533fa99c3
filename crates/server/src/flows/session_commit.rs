//! Writing a step: everything it decided commits with the session's token rotation, or nothing
//! does.

use serde_json::json;
use twofold_core::Factor;
use twofold_core::check::CheckOutcome;
use twofold_core::event::EventType;
use twofold_core::secrets::{SecretString, TokenHash};
use twofold_core::session::Session;
use twofold_core::settings::LoginSettings;
use twofold_store::SessionWrite;

use super::factors::{backup_code_fallback, budget};
use super::step_writes::{LostAs, Outcome, Pending};
use super::{Ctx, events, tokens};
use crate::error::Error;
use crate::state::Inner;

/// Records that a factor passed in a session outside a check (proving a new authenticator
/// proves possession) and rotates the token.
pub async fn record_pass(
    state: &Inner,
    ctx: &Ctx,
    session: &Session,
    factor: Factor,
) -> Result<SecretString, Error> {
    let (mut session, current) = state
        .store
        .session(&session.id)
        .await?
        .ok_or(Error::Unauthorized)?;
    let settings = state.settings(&session.tenant_id).await?;
    session.record_pass(factor, ctx.now);
    let ctx = Ctx {
        session_id: Some(session.id.clone()),
        ..ctx.clone()
    };
    let mut pending = Pending::default();
    pending.event(events::new(
        &ctx,
        EventType::SessionCheckPassed,
        session.user_id.as_deref(),
        json!({"factor": factor, "via": "enrolment"}),
    ));
    save_rotated(state, &ctx, &settings, &mut session, current, pending).await
}

/// Saves the session under a new token, only if `current` is still its token: of two updates
/// racing with one token, the second finds it rotated away.
/// Everything the step decided is written with it, or nothing is.
pub(in crate::flows) async fn save_rotated(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    session: &mut Session,
    current: TokenHash,
    pending: Pending,
) -> Result<SecretString, Error> {
    session.touch(ctx.now, settings);
    let (token, hash) = tokens::new_session_token(state)?;
    let write = SessionWrite::Rotate {
        session: session.clone(),
        expected: current,
        next: hash,
    };
    settle(state, ctx, settings, pending.apply(state, write).await?).await?;
    Ok(token)
}

/// What a step's transaction came to, for the client: a lost token is the stale-token answer; a
/// proof spent first by another request is this check's failure, counted by its reservation.
pub(in crate::flows) async fn settle(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    outcome: Outcome,
) -> Result<(), Error> {
    match outcome {
        Outcome::Committed => Ok(()),
        Outcome::TokenLost => Err(Error::Unauthorized),
        Outcome::Lost(lost) => {
            let LostAs {
                user,
                factor,
                reason,
                counter,
                unlock,
            } = *lost;
            if let Some(unlocking) = unlock {
                let failed =
                    backup_code_fallback::failed(state, ctx, settings, &user, unlocking).await?;
                return Err(match failed {
                    CheckOutcome::Locked { until } => Error::Locked { until },
                    other => code_error(other),
                });
            }
            // Nothing was reserved, so nothing is counted: the proof is refused.
            let Some(counter) = counter else {
                return Err(Error::InvalidCredentials);
            };
            let failed =
                budget::failed_reserved(state, ctx, settings, &user, factor, reason, counter)
                    .await?;
            Err(code_error(failed))
        }
    }
}

pub(in crate::flows) fn code_error(outcome: CheckOutcome) -> Error {
    match outcome {
        CheckOutcome::Replayed { attempts_left } => Error::ReplayedCode { attempts_left },
        CheckOutcome::Failed { attempts_left } => Error::InvalidCode { attempts_left },
        CheckOutcome::Expired => Error::CodeExpired,
        _ => Error::InvalidCode { attempts_left: 0 },
    }
}
