//! TOTP authenticators as the server keeps them: sealed seeds, provisioning URIs, QR codes.

use qrcode::QrCode;
use qrcode::render::svg;
use twofold_core::authenticator::Authenticator;
use twofold_core::otp::TotpParams;
use twofold_core::secrets::Seed;

use crate::error::Error;
use crate::state::Inner;

pub fn seed_of(state: &Inner, authenticator: &Authenticator) -> Result<Seed, Error> {
    let sealed = authenticator.sealed_secret.as_deref().ok_or_else(|| {
        Error::Internal(format!("authenticator {} has no secret", authenticator.id))
    })?;
    let opened = state
        .sealing
        .open(&Authenticator::seal_context(&authenticator.id), sealed)
        .map_err(|e| Error::Internal(format!("authenticator {}: {e}", authenticator.id)))?;
    Ok(Seed::new(opened.to_vec()))
}

pub fn params_of(authenticator: &Authenticator) -> Result<TotpParams, Error> {
    serde_json::from_value(authenticator.params.clone())
        .map_err(|e| Error::Internal(format!("authenticator {} params: {e}", authenticator.id)))
}

/// `otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`
pub fn provisioning_uri(issuer: &str, account: &str, seed: &Seed, params: &TotpParams) -> String {
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm={}&digits={}&period={}",
        percent_encode(issuer),
        percent_encode(account),
        seed.to_base32(),
        percent_encode(issuer),
        params.algorithm.as_str(),
        params.digits,
        params.period
    )
}

pub fn qr_svg(uri: &str) -> Result<String, Error> {
    let code = QrCode::new(uri.as_bytes()).map_err(|e| Error::Internal(format!("QR code: {e}")))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build())
}

/// RFC 3986 unreserved characters pass; everything else (including `:` and spaces) is escaped.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_in_the_uri() {
        let seed = Seed::new(vec![0; 20]);
        let uri = provisioning_uri(
            "Acme Corp",
            "alice@example.com",
            &seed,
            &TotpParams::default(),
        );
        assert_eq!(
            uri,
            "otpauth://totp/Acme%20Corp:alice%40example.com?secret=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&issuer=Acme%20Corp&algorithm=SHA1&digits=6&period=30"
        );
    }
}
