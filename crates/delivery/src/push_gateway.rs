//! Waking a push device: a POST to the tenant's push gateway carrying only the device's push
//! token and the exchange id. The device fetches what is pending itself, with a signed request,
//! so the gateway (often a third party relaying to APNs or FCM) learns nothing about the sign-in.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::{DeliveryError, retry};

/// Short: the login screen is waiting, and a device that is not woken can still poll.
const TIMEOUT: Duration = Duration::from_secs(5);

pub struct PushGateway {
    client: reqwest::Client,
}

impl PushGateway {
    pub fn new() -> Result<PushGateway, DeliveryError> {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| DeliveryError::Config(format!("HTTP client: {e}")))?;
        Ok(PushGateway { client })
    }

    /// POSTs `{"push_token", "exchange_id"}` to `url`, retrying transient failures.
    pub async fn notify(
        &self,
        url: &str,
        push_token: &str,
        exchange_id: &str,
    ) -> Result<(), DeliveryError> {
        let body = json!({"push_token": push_token, "exchange_id": exchange_id});
        retry::with_backoff(|| async { judge(self.client.post(url).json(&body).send().await) })
            .await
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
                "push gateway answered {}",
                response.status()
            )))
        }
        Ok(response) => Err(DeliveryError::Refused(format!(
            "push gateway answered {}",
            response.status()
        ))),
        // Without the URL: reqwest's error text may carry it, and with it a path secret.
        Err(e) => Err(DeliveryError::Unavailable(format!(
            "push gateway unreachable: {}",
            e.without_url()
        ))),
    }
}
