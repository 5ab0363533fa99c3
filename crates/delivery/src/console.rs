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
    use std::fmt;

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

    /// Every event logged on this thread while it is the default subscriber: level and message.
    #[derive(Clone, Default)]
    struct Captured(std::sync::Arc<std::sync::Mutex<Vec<(tracing::Level, String)>>>);

    impl tracing::Subscriber for Captured {
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            true
        }

        fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            tracing::span::Id::from_u64(1)
        }

        fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

        fn event(&self, event: &tracing::Event<'_>) {
            struct Message(String);
            impl tracing::field::Visit for Message {
                fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
                    if field.name() == "message" {
                        self.0 = format!("{value:?}");
                    }
                }
            }
            let mut message = Message(String::new());
            event.record(&mut message);
            let level = *event.metadata().level();
            self.0.lock().unwrap().push((level, message.0));
        }

        fn enter(&self, _: &tracing::span::Id) {}

        fn exit(&self, _: &tracing::span::Id) {}
    }

    #[tokio::test]
    async fn sending_to_the_console_logs_the_line_as_a_warning() {
        let captured = Captured::default();
        let _default = tracing::subscriber::set_default(captured.clone());
        ConsoleSender.send(&message()).await.unwrap();
        let logged = captured.0.lock().unwrap().clone();
        assert_eq!(
            logged,
            [(tracing::Level::WARN, ConsoleSender::render(&message()))]
        );
    }
}
