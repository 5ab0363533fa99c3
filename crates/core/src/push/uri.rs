//! The one-time enrolment URI a device scans:
//! `twofold-push://enrol?v=1&server=<base URL>&tenant=<id>&code=<enrolment code>[&name=<label>]`,
//! every value percent-encoded. The device posts its key with `code` to `server`; parameters it
//! does not know are ignored, so later versions can add some.

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use thiserror::Error;

use super::ENROLMENT_CODE_PREFIX;

const PREFIX: &str = "twofold-push://enrol?";

/// Everything but RFC 3986's unreserved characters is encoded.
const VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

#[derive(Clone, PartialEq, Eq)]
pub struct EnrolmentUri {
    /// The server's base URL: https, or http on a loopback address (for trying it out).
    pub server: String,
    pub tenant: String,
    /// The one-time enrolment code (`tfe_…`): a secret until used.
    pub code: String,
    /// A label for the device's list (the user's name, say).
    pub name: Option<String>,
}

impl fmt::Debug for EnrolmentUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnrolmentUri")
            .field("server", &self.server)
            .field("tenant", &self.tenant)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UriError {
    #[error("not a twofold-push enrolment URI")]
    NotEnrolment,
    #[error("the enrolment URI is version {0}, this device speaks version 1")]
    Version(String),
    #[error("the enrolment URI lacks `{0}`")]
    Missing(&'static str),
    #[error("the enrolment URI names `{0}` twice or badly encoded")]
    Malformed(String),
    #[error("the enrolment URI's server must be https (or http on a loopback address)")]
    Server,
    #[error("the enrolment URI's code is not an enrolment code")]
    Code,
}

impl EnrolmentUri {
    pub fn to_uri(&self) -> String {
        let mut uri = format!(
            "{PREFIX}v=1&server={}&tenant={}&code={}",
            encode(&self.server),
            encode(&self.tenant),
            encode(&self.code)
        );
        if let Some(name) = &self.name {
            uri.push_str("&name=");
            uri.push_str(&encode(name));
        }
        uri
    }

    pub fn parse(uri: &str) -> Result<EnrolmentUri, UriError> {
        let query = uri.strip_prefix(PREFIX).ok_or(UriError::NotEnrolment)?;
        let mut found: Vec<(&str, String)> = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode_str(value)
                .decode_utf8()
                .map_err(|_| UriError::Malformed(key.to_owned()))?;
            if found.iter().any(|(k, _)| *k == key) {
                return Err(UriError::Malformed(key.to_owned()));
            }
            found.push((key, value.into_owned()));
        }
        let take = |key: &'static str| {
            found
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())
        };
        match take("v") {
            Some(v) if v == "1" => {}
            Some(v) => return Err(UriError::Version(v)),
            None => return Err(UriError::Missing("v")),
        }
        let server = take("server").ok_or(UriError::Missing("server"))?;
        if !allowed_server(&server) {
            return Err(UriError::Server);
        }
        let code = take("code").ok_or(UriError::Missing("code"))?;
        if !code.starts_with(ENROLMENT_CODE_PREFIX) || code.len() > 128 {
            return Err(UriError::Code);
        }
        Ok(EnrolmentUri {
            server: server.trim_end_matches('/').to_owned(),
            tenant: take("tenant").ok_or(UriError::Missing("tenant"))?,
            code,
            name: take("name"),
        })
    }
}

fn encode(value: &str) -> String {
    utf8_percent_encode(value, VALUE).to_string()
}

pub(crate) fn allowed_server(server: &str) -> bool {
    if server.len() > 2000 || server.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let host_of = |rest: &str| -> Option<String> {
        let authority = rest.split(['/', '?', '#']).next()?;
        if authority.is_empty() || authority.contains('@') {
            return None;
        }
        Some(match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or("").to_owned(),
            None => authority.split(':').next().unwrap_or("").to_owned(),
        })
    };
    if let Some(rest) = server.strip_prefix("https://") {
        return host_of(rest).is_some_and(|h| !h.is_empty());
    }
    server
        .strip_prefix("http://")
        .and_then(host_of)
        .is_some_and(|h| h == "localhost" || h == "::1" || h.starts_with("127."))
}
