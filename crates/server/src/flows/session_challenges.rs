//! Challenges started in a session: codes by SMS or email, sent or returned.

use twofold_core::challenge::{Channel, Purpose};
use twofold_core::phone;
use twofold_core::session::Session;
use twofold_core::settings::LoginSettings;

use super::Ctx;
use super::codes::{self, Handover, Issued, Target};
use super::session_input::Challenges;
use super::session_view::Subject;
use super::sign_in::second_factor_gate;
use crate::error::Error;
use crate::state::Inner;

/// Sends (or returns) the codes asked for. The same gate as for checks: a known user whose first
/// factor passed — nobody can make the server text a number by knowing a login name.
pub(super) async fn start_challenges(
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
        let destination = match channel {
            Channel::Sms => user.phone.clone().filter(|_| user.phone_verified),
            Channel::Email => user.email.clone().filter(|_| user.email_verified),
        };
        let Some(destination) = destination.filter(|_| set_up) else {
            return Err(Error::InvalidRequest(format!(
                "`{factor}` is not set up for this user"
            )));
        };
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
