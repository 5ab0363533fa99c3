//! Development only: "delivers" codes to the server log. Never the default — the operator must
//! ask for dev mode, because the log then holds live codes.

use async_trait::async_trait;

use crate::{CodeMessage, DeliveryError, Destination, Sender};

#[derive(Debug, Default)]
pub struct ConsoleSender;

impl ConsoleSender {
    /// The line the log receives.
    pub fn render(message: &CodeMessage) -> String {
        let to = match &message.to {
            Destination::Email(address) => format!("email {address}"),
            Destination::Phone(number) => format!("sms {number}"),
        };
        format!(
            "DEV MODE delivery to {to} (exchange {}): {}",
            message.exchange_id,
            crate::templates::sms_text(message)
        )
    }
}

#[async_trait]
impl Sender for ConsoleSender {
    async fn send(&self, message: &CodeMessage) -> Result<(), DeliveryError> {
        tracing::warn!("{}", Self::render(message));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use twofold_core::secrets::SecretString;

    use super::*;

    fn message() -> CodeMessage {
        CodeMessage {
            to: Destination::Email("alice@example.com".into()),
            code: SecretString::new("123456".into()),
            purpose: crate::MessagePurpose::SignIn,
            valid_for_seconds: 300,
            exchange_id: "x1".into(),
            language: None,
        }
    }

    #[test]
    fn the_console_line_says_it_is_dev_mode_and_carries_the_code() {
        let line = ConsoleSender::render(&message());
        assert!(line.starts_with("DEV MODE"));
        assert!(
            line.contains("123456")
                && line.contains("alice@example.com")
                && line.contains("5 minutes")
        );
    }

    #[test]
    fn a_message_does_not_show_its_code_in_debug_output() {
        assert!(!format!("{:?}", message()).contains("123456"));
    }

    #[tokio::test]
    async fn sending_to_the_console_succeeds() {
        ConsoleSender.send(&message()).await.unwrap();
    }
}
