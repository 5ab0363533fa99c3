//! The client's redirect URI as the authorization response: `code` or `error`, with `state` and
//! the issuer (RFC 9207, so a client talking to several providers can tell mix-ups apart).

use url::Url;

use crate::error::Error;

/// Parameters appended to a registered redirect URI.
pub enum Answer<'a> {
    Code(&'a str),
    Error {
        error: &'a str,
        description: &'a str,
    },
}

/// `redirect_uri` (already checked against the registration) with the answer in its query.
pub fn to_client(
    redirect_uri: &str,
    answer: Answer<'_>,
    state: Option<&str>,
    issuer: &str,
) -> Result<Url, Error> {
    let mut url = Url::parse(redirect_uri)
        .map_err(|_| Error::Internal("a registered redirect_uri does not parse".to_owned()))?;
    {
        let mut query = url.query_pairs_mut();
        match answer {
            Answer::Code(code) => {
                query.append_pair("code", code);
            }
            Answer::Error { error, description } => {
                query
                    .append_pair("error", error)
                    .append_pair("error_description", description);
            }
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
        query.append_pair("iss", issuer);
    }
    Ok(url)
}
