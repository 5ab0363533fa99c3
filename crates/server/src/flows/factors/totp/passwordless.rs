//! TOTP as a first factor (passwordless, seed 002): when a code opens a sign-in, and checking it
//! under the password throttles.

use twofold_core::authenticator::Authenticator;
use twofold_core::check::CheckOutcome;
use twofold_core::first_factor::{self, FirstFactorGate};
use twofold_core::session::Session;
use twofold_core::settings::LoginSettings;
use twofold_core::step::{self, TotpDecision};
use twofold_core::user::User;
use twofold_core::{Factor, UnixTime};
use twofold_store::Consumption;

use super::verdicts_of;
use crate::error::Error;
use crate::flows::Ctx;
use crate::flows::factors::password;
use crate::flows::step_writes::{LostAs, Pending};
use crate::state::Inner;

/// Whether a TOTP check opens this sign-in (passwordless TOTP, seed 002): TOTP is one of the
/// tenant's (or app's) first factors and no first factor counts yet. Otherwise it is a second
/// factor, behind the second-factor gate.
pub(in crate::flows) fn opens_sign_in(
    settings: &LoginSettings,
    session: &Session,
    now: UnixTime,
) -> bool {
    first_factor::first_factor_gate(settings, Factor::Totp) == FirstFactorGate::Allowed
        && !settings.first_factor_passed(&session.valid_checks(settings, now))
}

/// A TOTP code that opens a sign-in. A guess at a first factor is throttled like a password
/// ([`first_factor::budget_of`]): it takes an attempt of the password throttles of the login
/// name `subject` — per client address, per source and per account — before it is evaluated,
/// answered alike for a name nobody has (`user` `None`, no authenticators). The replay rule is
/// the second factor's: a step used once is refused after. A user whose second factor is locked
/// is refused, told only to someone whose code was right.
#[allow(clippy::too_many_arguments)]
pub(in crate::flows) async fn first_factor(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    subject: &str,
    user: Option<&User>,
    authenticators: &[Authenticator],
    code: &str,
    pending: &mut Pending,
) -> Result<CheckOutcome, Error> {
    let budget = first_factor::budget_of(Factor::Totp, false);
    if budget != first_factor::Budget::Password {
        return Err(Error::Internal(
            "a first-factor TOTP check must spend the password throttles".to_owned(),
        ));
    }
    let after = match password::reserve(state, ctx, settings, subject, user, pending).await? {
        Ok(after) => after,
        Err(refused) => return Ok(refused),
    };
    let verdicts = match user {
        Some(_) => verdicts_of(state, authenticators, code, ctx.now)?,
        None => Vec::new(),
    };
    match (step::decide_totp(&verdicts), user) {
        (
            TotpDecision::Pass {
                authenticator_id,
                step,
            },
            Some(user),
        ) => {
            if let Some(locked) = step::lock_refusal(user.second_factor.lock, ctx.now) {
                let source = password::source_of(ctx);
                state
                    .store
                    .release_password_attempt(&ctx.tenant_id, subject, source)
                    .await?;
                return Ok(locked);
            }
            // As for a second factor: of two requests with one code, the step's transaction lets
            // exactly one spend it; the other is told it was replayed.
            let consumption = Consumption::TotpStep {
                authenticator_id,
                step,
                at: ctx.now,
            };
            let lost = LostAs {
                user: user.clone(),
                factor: Factor::Totp,
                reason: step::REPLAYED,
                counter: Some(user.second_factor),
                unlock: None,
            };
            let spend = Some((consumption, lost));
            Ok(password::passed(ctx, subject, Factor::Totp, spend, pending))
        }
        (decision, _) => {
            let replayed = matches!(decision, TotpDecision::Fail { replayed: true });
            let guessed = password::Guessed {
                factor: Factor::Totp,
                replayed,
            };
            password::failed(state, ctx, settings, subject, user, after, guessed).await
        }
    }
}
