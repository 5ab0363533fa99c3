//! Delivery of one-time codes to people: the [`Sender`] trait and its transports.
//!
//! This first version holds the contract and the console transport for explicit development
//! use; SMTP (lettre) and the HTTP SMS gateway arrive with the `otp-sms` / `otp-email` factors.

mod console;

use async_trait::async_trait;
use thiserror::Error;
use twofold_core::secrets::SecretString;

pub use console::ConsoleSender;

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
    /// What the code is for, in words shown to the person ("sign in to Acme").
    pub purpose: String,
    pub valid_for_seconds: u64,
    /// The challenge this message belongs to, for the provider's correlation.
    pub exchange_id: String,
}

#[derive(Debug, Error)]
pub enum DeliveryError {
    /// The provider could not be reached or refused for its own reasons: the caller says 503.
    #[error("delivery provider unavailable: {0}")]
    Unavailable(String),
    /// The provider refused this destination.
    #[error("destination refused: {0}")]
    Refused(String),
    #[error("no sender is configured for {0}; configure one (see the README) or use dev mode")]
    NotConfigured(&'static str),
}

#[async_trait]
pub trait Sender: Send + Sync {
    async fn send(&self, message: &CodeMessage) -> Result<(), DeliveryError>;
}
