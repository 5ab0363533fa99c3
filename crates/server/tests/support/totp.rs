//! TOTP codes as an authenticator app would make them, and the timing around their 30 s steps.

use std::time::UNIX_EPOCH;

use super::now;

/// Sleeps into the next 30-second step when the current one is about to end.
pub async fn wait_out_step_end() {
    let into_step = std::time::SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
        % 30_000;
    if into_step >= 27_000 {
        tokio::time::sleep(std::time::Duration::from_millis(
            (30_000 - into_step + 50) as u64,
        ))
        .await;
    }
}

/// TOTP codes from an independent implementation (totp-rs), configured from the server's
/// provisioning URI: it also proves the URI is one authenticator apps accept.
pub struct Generator(totp_rs::Totp);

impl Generator {
    pub fn from_uri(uri: &str) -> Generator {
        Generator(totp_rs::Totp::from_url(uri).expect("the otpauth URI parses"))
    }

    pub fn code_at(&self, unix: u64) -> String {
        self.0.generate(unix).to_string()
    }

    pub fn now(&self) -> String {
        self.code_at(now())
    }

    /// The code of the step after the current one (accepted through one step of skew).
    pub fn next(&self) -> String {
        self.code_at(now() + 30)
    }
}
