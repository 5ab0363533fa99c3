//! Email over SMTP with lettre: `smtps://` (implicit TLS), `smtp://…?tls=required` (STARTTLS) or
//! plain `smtp://` for a local relay; credentials in the URL are optional.

use std::time::Duration;

use async_trait::async_trait;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::{CodeMessage, DeliveryError, Destination, Sender, retry, templates};

const TIMEOUT: Duration = Duration::from_secs(10);

pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpSender {
    pub fn new(smtp_url: &str, from: &str) -> Result<SmtpSender, DeliveryError> {
        let from: Mailbox = from.parse().map_err(|e| {
            DeliveryError::Config(format!("email_from `{from}` is not an address: {e}"))
        })?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|e| DeliveryError::Config(format!("smtp_url is not usable: {e}")))?
            .timeout(Some(TIMEOUT))
            .build();
        Ok(SmtpSender { transport, from })
    }

    fn compose(&self, message: &CodeMessage) -> Result<Message, DeliveryError> {
        let Destination::Email(address) = &message.to else {
            return Err(DeliveryError::Refused(
                "the email sender only sends to email addresses".to_owned(),
            ));
        };
        let to: Mailbox = address
            .parse()
            .map_err(|_| DeliveryError::Refused("not an email address".to_owned()))?;
        let rendered = templates::email(message);
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(rendered.subject)
            .multipart(MultiPart::alternative_plain_html(
                rendered.text,
                rendered.html,
            ))
            .map_err(|e| DeliveryError::Refused(format!("message could not be built: {e}")))
    }
}

#[async_trait]
impl Sender for SmtpSender {
    async fn send(&self, message: &CodeMessage) -> Result<(), DeliveryError> {
        let email = self.compose(message)?;
        retry::with_backoff(|| async {
            match self.transport.send(email.clone()).await {
                Ok(_) => Ok(()),
                Err(e) if e.is_permanent() => {
                    Err(DeliveryError::Refused(format!("SMTP server refused: {e}")))
                }
                Err(e) => Err(DeliveryError::Unavailable(format!("SMTP: {e}"))),
            }
        })
        .await
    }
}
