//! SMS through an HTTP gateway: a generic JSON webhook, or a Twilio-compatible Messages API.

use std::time::Duration;

use async_trait::async_trait;
use reqwest::StatusCode;
use serde_json::json;

use crate::{CodeMessage, DeliveryError, Destination, Sender, retry, templates};

const TIMEOUT: Duration = Duration::from_secs(10);

fn client() -> Result<reqwest::Client, DeliveryError> {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .build()
        .map_err(|e| DeliveryError::Config(format!("HTTP client: {e}")))
}

fn phone_of(message: &CodeMessage) -> Result<&str, DeliveryError> {
    match &message.to {
        Destination::Phone(number) => Ok(number),
        Destination::Email(_) => Err(DeliveryError::Refused(
            "the SMS sender only sends to phone numbers".to_owned(),
        )),
    }
}

/// 2xx delivered; 5xx, 429 and network errors are worth another try; other 4xx are final.
fn judge(result: Result<reqwest::Response, reqwest::Error>) -> Result<(), DeliveryError> {
    match result {
        Ok(response) if response.status().is_success() => Ok(()),
        Ok(response)
            if response.status().is_server_error()
                || response.status() == StatusCode::TOO_MANY_REQUESTS =>
        {
            Err(DeliveryError::Unavailable(format!(
                "SMS gateway answered {}",
                response.status()
            )))
        }
        Ok(response) => Err(DeliveryError::Refused(format!(
            "SMS gateway answered {}",
            response.status()
        ))),
        Err(e) => Err(DeliveryError::Unavailable(format!(
            "SMS gateway unreachable: {e}"
        ))),
    }
}

/// POSTs `{"to", "message", "exchange_id"}` to `url`, with an optional bearer token.
pub struct WebhookSender {
    client: reqwest::Client,
    url: String,
    token: Option<String>,
}

impl WebhookSender {
    pub fn new(url: &str, token: Option<String>) -> Result<WebhookSender, DeliveryError> {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(DeliveryError::Config(
                "sms_gateway_url must be an http(s) URL".to_owned(),
            ));
        }
        Ok(WebhookSender {
            client: client()?,
            url: url.to_owned(),
            token,
        })
    }
}

#[async_trait]
impl Sender for WebhookSender {
    async fn send(&self, message: &CodeMessage) -> Result<(), DeliveryError> {
        let body = json!({"to": phone_of(message)?, "message": templates::sms_text(message), "exchange_id": message.exchange_id});
        retry::with_backoff(|| async {
            let mut request = self.client.post(&self.url).json(&body);
            if let Some(token) = &self.token {
                request = request.bearer_auth(token);
            }
            judge(request.send().await)
        })
        .await
    }
}

/// Twilio's Messages API (or a compatible one at `api_base`): a form POST with basic auth.
pub struct TwilioSender {
    client: reqwest::Client,
    endpoint: String,
    account_sid: String,
    auth_token: String,
    from: String,
}

impl TwilioSender {
    pub fn new(
        api_base: &str,
        account_sid: &str,
        auth_token: &str,
        from: &str,
    ) -> Result<TwilioSender, DeliveryError> {
        if account_sid.is_empty() || auth_token.is_empty() || from.is_empty() {
            return Err(DeliveryError::Config(
                "Twilio needs an account SID, an auth token and a from number".to_owned(),
            ));
        }
        let endpoint = format!(
            "{}/2010-04-01/Accounts/{account_sid}/Messages.json",
            api_base.trim_end_matches('/')
        );
        Ok(TwilioSender {
            client: client()?,
            endpoint,
            account_sid: account_sid.to_owned(),
            auth_token: auth_token.to_owned(),
            from: from.to_owned(),
        })
    }
}

#[async_trait]
impl Sender for TwilioSender {
    async fn send(&self, message: &CodeMessage) -> Result<(), DeliveryError> {
        let text = templates::sms_text(message);
        let form = [
            ("To", phone_of(message)?),
            ("From", self.from.as_str()),
            ("Body", text.as_str()),
        ];
        retry::with_backoff(|| async {
            let request = self
                .client
                .post(&self.endpoint)
                .basic_auth(&self.account_sid, Some(&self.auth_token))
                .form(&form);
            judge(request.send().await)
        })
        .await
    }
}
