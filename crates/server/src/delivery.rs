//! The senders codes go out through, chosen once at start-up from the configuration.

use std::sync::Arc;

use twofold_core::challenge::Channel;
use twofold_delivery::{
    ConsoleSender, DeliveryError, PushGateway, Sender, SmtpSender, TwilioSender, WebhookSender,
};

use crate::config::DeliveryConfig;

const TWILIO_API: &str = "https://api.twilio.com";

#[derive(Clone, Default)]
pub struct Senders {
    email: Option<Arc<dyn Sender>>,
    sms: Option<Arc<dyn Sender>>,
    /// Wakes push devices through the gateway a tenant names (`push.gateway_url`).
    push: Option<Arc<PushGateway>>,
}

impl Senders {
    pub fn from_config(config: &DeliveryConfig) -> Result<Senders, DeliveryError> {
        let email: Option<Arc<dyn Sender>> = match (&config.smtp_url, &config.email_from) {
            (Some(url), Some(from)) => Some(Arc::new(SmtpSender::new(url, from)?)),
            (Some(_), None) | (None, Some(_)) => {
                return Err(DeliveryError::Config(
                    "email needs both smtp_url and email_from".to_owned(),
                ));
            }
            (None, None) => None,
        };
        let sms: Option<Arc<dyn Sender>> =
            match (&config.sms_gateway_url, &config.twilio_account_sid) {
                (Some(_), Some(_)) => {
                    return Err(DeliveryError::Config(
                        "configure either sms_gateway_url or Twilio, not both".to_owned(),
                    ));
                }
                (Some(url), None) => Some(Arc::new(WebhookSender::new(
                    url,
                    config.sms_gateway_token.clone(),
                )?)),
                (None, Some(sid)) => Some(Arc::new(TwilioSender::new(
                    config.twilio_api_url.as_deref().unwrap_or(TWILIO_API),
                    sid,
                    config.twilio_auth_token.as_deref().unwrap_or_default(),
                    config.twilio_from.as_deref().unwrap_or_default(),
                )?)),
                (None, None) => None,
            };
        let console = || -> Option<Arc<dyn Sender>> {
            config
                .dev_mode
                .then(|| Arc::new(ConsoleSender) as Arc<dyn Sender>)
        };
        Ok(Senders {
            email: email.or_else(console),
            sms: sms.or_else(console),
            push: Some(Arc::new(PushGateway::new()?)),
        })
    }

    pub fn for_channel(&self, channel: Channel) -> Result<&Arc<dyn Sender>, DeliveryError> {
        match channel {
            Channel::Email => self.email.as_ref().ok_or(DeliveryError::NotConfigured(
                "email",
                "TWOFOLD_SMTP_URL and TWOFOLD_EMAIL_FROM",
            )),
            Channel::Sms => self.sms.as_ref().ok_or(DeliveryError::NotConfigured(
                "SMS",
                "TWOFOLD_SMS_GATEWAY_URL (or the TWOFOLD_TWILIO_* settings)",
            )),
        }
    }

    /// `None` only where no configuration was read (tests that build state by hand).
    pub fn push_gateway(&self) -> Option<Arc<PushGateway>> {
        self.push.clone()
    }

    pub fn describe(&self) -> (bool, bool) {
        (self.email.is_some(), self.sms.is_some())
    }
}
