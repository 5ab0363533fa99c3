//! Delivery of one-time codes to people: the [`Sender`] trait and its transports — SMTP for
//! email, an HTTP gateway (generic JSON webhook or Twilio-compatible) for SMS, and the console for
//! an explicit development mode.

mod console;
mod http_sms;
mod push_gateway;
mod retry;
mod smtp;
pub mod templates;

use async_trait::async_trait;
use thiserror::Error;
use twofold_core::secrets::SecretString;

pub use console::ConsoleSender;
pub use http_sms::{TwilioSender, WebhookSender};
pub use push_gateway::PushGateway;
pub use smtp::SmtpSender;
pub use templates::MessagePurpose;

/// Where a message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Email(String),
    /// E.164.
    Phone(String),
}

/// A code on its way to a person. The code is secret: it never appears in `Debug` output.
#[derive(Debug, Clone)]
pub struct CodeMessage {
    pub to: Destination,
    pub code: SecretString,
    pub purpose: MessagePurpose,
    pub valid_for_seconds: u64,
    /// The challenge this message belongs to, for the provider's correlation.
    pub exchange_id: String,
    /// BCP 47 tag of the person's language when known (`de`, `en-GB`); English otherwise.
    pub language: Option<String>,
}

#[derive(Debug, Error)]
pub enum DeliveryError {
    /// The provider could not be reached or failed for its own reasons: the caller says 503.
    #[error("delivery provider unavailable: {0}")]
    Unavailable(String),
    /// The provider refused this message or destination for good.
    #[error("destination refused: {0}")]
    Refused(String),
    #[error("no sender is configured for {0}: set {1}, or run in dev mode to log codes")]
    NotConfigured(&'static str, &'static str),
    #[error("invalid delivery configuration: {0}")]
    Config(String),
}

#[async_trait]
pub trait Sender: Send + Sync {
    async fn send(&self, message: &CodeMessage) -> Result<(), DeliveryError>;
}
