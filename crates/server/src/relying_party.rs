//! The WebAuthn relying party: its id and the origins ceremonies may come from. Explicit settings
//! that do not fit together stop the start; a default derived from the public URL that cannot
//! serve WebAuthn (an IP address, say) only turns WebAuthn off, saying what to set.

use url::Url;
use webauthn_rs::prelude::{Webauthn, WebauthnBuilder};

use crate::error::Error;

pub struct RelyingParty {
    pub webauthn: Webauthn,
    pub rp_id: String,
}

/// What to set when WebAuthn is off.
pub const HOW_TO_CONFIGURE: &str = "WebAuthn needs a relying party: set TWOFOLD_PUBLIC_URL to an \
     https URL with a domain name (or http://localhost), or TWOFOLD_WEBAUTHN_RP_ID and \
     TWOFOLD_WEBAUTHN_ORIGINS";

/// `Ok(None)` when WebAuthn cannot run with the defaults; `Err` when explicit settings are wrong.
pub fn from_config(
    rp_id: Option<&str>,
    origins: &[String],
    public_url: Option<&str>,
) -> Result<Option<RelyingParty>, Error> {
    let explicit = rp_id.is_some() || !origins.is_empty();
    match build(rp_id, origins, public_url) {
        Ok(rp) => Ok(Some(rp)),
        Err(why) if explicit => Err(Error::InvalidRequest(format!("WebAuthn settings: {why}"))),
        Err(why) => {
            tracing::warn!(%why, "WebAuthn is off: {HOW_TO_CONFIGURE}");
            Ok(None)
        }
    }
}

fn build(
    rp_id: Option<&str>,
    origins: &[String],
    public_url: Option<&str>,
) -> Result<RelyingParty, String> {
    let raw: Vec<&str> = match (origins.is_empty(), public_url) {
        (false, _) => origins.iter().map(String::as_str).collect(),
        (true, Some(url)) => vec![url],
        (true, None) => {
            return Err("no origin: set TWOFOLD_WEBAUTHN_ORIGINS or TWOFOLD_PUBLIC_URL".into());
        }
    };
    let mut parsed = Vec::new();
    for origin in raw {
        let url = Url::parse(origin.trim()).map_err(|_| format!("`{origin}` is not a URL"))?;
        let Some(host) = url.domain() else {
            return Err(format!(
                "`{origin}` has no domain name (WebAuthn refuses IP addresses)"
            ));
        };
        let local = host == "localhost" || host.ends_with(".localhost");
        let secure = url.scheme() == "https" || (url.scheme() == "http" && local);
        if !secure {
            return Err(format!(
                "`{origin}` is not https (browsers allow http only on localhost)"
            ));
        }
        parsed.push(url);
    }
    let first = parsed.first().ok_or("no origin")?;
    let rp_id = match rp_id {
        Some(id) => id.trim().to_owned(),
        None => first.domain().unwrap_or_default().to_owned(),
    };
    // A bare top-level label (`com`) is no relying party a browser accepts; `localhost` is.
    if rp_id != "localhost" && !rp_id.contains('.') {
        return Err(format!(
            "the relying party id `{rp_id}` is a top-level domain"
        ));
    }
    for url in &parsed {
        let host = url.domain().unwrap_or_default();
        if host != rp_id && !host.ends_with(&format!(".{rp_id}")) {
            return Err(format!(
                "the relying party id `{rp_id}` is not `{host}` or a parent domain of it"
            ));
        }
    }
    let mut builder = WebauthnBuilder::new(&rp_id, first)
        .map_err(|e| format!("relying party `{rp_id}` for `{first}`: {e}"))?
        .rp_name("Twofold")
        // Security keys are a second factor beside a password: presence is what they add, so
        // user verification is discouraged for them (passkeys always require it).
        .danger_set_user_presence_only_security_keys(true);
    for url in &parsed[1..] {
        builder = builder.append_allowed_origin(url);
    }
    let webauthn = builder.build().map_err(|e| e.to_string())?;
    Ok(RelyingParty { webauthn, rp_id })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_settings_that_do_not_fit_stop_the_start_and_defaults_only_turn_webauthn_off() {
        let ok = from_config(
            Some("example.com"),
            &[
                "https://login.example.com".into(),
                "https://example.com".into(),
            ],
            None,
        )
        .unwrap()
        .unwrap();
        assert_eq!(ok.rp_id, "example.com");
        let derived = from_config(None, &[], Some("https://id.example.org"))
            .unwrap()
            .unwrap();
        assert_eq!(derived.rp_id, "id.example.org");
        assert!(
            from_config(None, &[], Some("http://localhost:8080"))
                .unwrap()
                .is_some()
        );

        assert!(
            from_config(
                Some("other.com"),
                &["https://login.example.com".into()],
                None
            )
            .is_err()
        );
        assert!(
            from_config(
                Some("example.com"),
                &["http://login.example.com".into()],
                None
            )
            .is_err()
        );
        assert!(from_config(None, &["https://192.0.2.1".into()], None).is_err());
        assert!(from_config(Some("com"), &["https://login.example.com".into()], None).is_err());
        assert!(from_config(None, &["http://app.localhost:3000".into()], None).is_ok());
        assert!(
            from_config(None, &[], Some("http://127.0.0.1:8080"))
                .unwrap()
                .is_none()
        );
        assert!(from_config(None, &[], None).unwrap().is_none());
    }
}
