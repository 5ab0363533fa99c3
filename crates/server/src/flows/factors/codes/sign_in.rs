//! SMS and email codes in a sign-in: challenges started in a session (sent or returned), and
//! the codes checked against them.

use twofold_core::check::CheckOutcome;
use twofold_core::user::User;
use twofold_store::Consumption;

use twofold_core::challenge::{Channel, Purpose};
use twofold_core::contacts;
use twofold_core::phone;
use twofold_core::session::Session;
use twofold_core::settings::LoginSettings;

use super::{self as codes, Handover, Issued, Target, Tried};
use crate::error::Error;
use crate::flows::Ctx;
use crate::flows::factors::budget;
use crate::flows::session_input::Challenges;
use crate::flows::step_writes::Pending;
use crate::flows::subject::Subject;
use crate::flows::subject::second_factor_gate;
use crate::state::Inner;

/// Sends (or returns) the codes asked for. The same gate as for checks: a known user whose first
/// factor passed — nobody can make the server text a number by knowing a login name.
pub(in crate::flows) async fn start_challenges(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    session: &Session,
    subject: &mut Subject,
    challenges: Challenges,
    admin: bool,
) -> Result<Vec<Issued>, Error> {
    let mut issued = Vec::new();
    for (asked, channel) in [
        (challenges.otp_sms, Channel::Sms),
        (challenges.otp_email, Channel::Email),
    ] {
        let Some(asked) = asked else { continue };
        let factor = channel.factor();
        let user = second_factor_gate(settings, session, subject, factor, ctx.now)?.clone();
        let set_up = subject
            .authenticators(state)
            .await?
            .iter()
            .any(|a| a.factor == factor && a.is_usable());
        if !set_up {
            return Err(Error::InvalidRequest(format!(
                "`{factor}` is not set up for this user"
            )));
        }
        let extra = state.store.contacts_of(&user.id).await?;
        let media = contacts::all_contacts(&user, &extra);
        let destination = contacts::choose_medium(&media, channel, asked.medium_id.as_deref())
            .map_err(crate::flows::contacts::medium_error)?
            .value
            .clone();
        let handover = match asked.return_code {
            false => Handover::Send,
            true if settings.otp.may_return_code(admin) => Handover::Return,
            true => {
                return Err(Error::Forbidden(
                    "return_code needs the admin token or otp.allow_return_code".to_owned(),
                ));
            }
        };
        let country = match channel {
            Channel::Sms => phone::parse(&destination).ok().and_then(|p| p.country),
            Channel::Email => None,
        };
        let target = Target {
            user_id: &user.id,
            channel,
            purpose: Purpose::SignIn,
            destination: &destination,
            country: country.as_deref(),
            language: user.language.as_deref(),
        };
        issued.push(codes::issue(state, ctx, settings, target, handover).await?);
    }
    Ok(issued)
}

/// An SMS or email code in a sign-in. A wrong code spends a try of the challenge and one of the
/// user's second-factor budget, whichever runs out first.
pub(in crate::flows) async fn check(
    state: &Inner,
    ctx: &Ctx,
    settings: &LoginSettings,
    user: &User,
    channel: Channel,
    code: &str,
    pending: &mut Pending,
) -> Result<CheckOutcome, Error> {
    let counter =
        match budget::reserve(state, ctx, settings, user, channel.factor(), pending).await? {
            Ok(counter) => counter,
            Err(locked) => return Ok(locked),
        };
    match codes::try_code(state, &user.id, channel, Purpose::SignIn, code, ctx.now).await? {
        Tried::Matches { challenge_id, .. } => {
            let consumption = Consumption::Challenge { id: challenge_id };
            Ok(budget::passed_reserved(
                user,
                channel.factor(),
                ctx,
                pending,
                Some((consumption, "wrong")),
                counter,
            ))
        }
        Tried::Expired => {
            // Nothing was evaluated: the attempt goes back.
            state.store.release_second_factor_attempt(&user.id).await?;
            Ok(CheckOutcome::Expired)
        }
        Tried::Wrong { attempts_left } => {
            let factor = channel.factor();
            match budget::failed_reserved(state, ctx, settings, user, factor, "wrong", counter)
                .await?
            {
                CheckOutcome::Failed {
                    attempts_left: budget,
                } => Ok(CheckOutcome::Failed {
                    attempts_left: budget.min(attempts_left),
                }),
                other => Ok(other),
            }
        }
    }
}
