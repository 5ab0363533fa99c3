//! Path, body and query extractors whose every rejection is a problem response: axum's own
//! answer a bare `text/plain` 400, which a client of a problem+json API cannot read.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::error::Error;

/// A JSON body. Syntax errors, wrong types, unknown fields and oversized bodies all answer 4xx.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> Error {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return Error::BodyTooLarge;
    }
    if body_timed_out(&rejection) {
        return Error::RequestTimeout;
    }
    match rejection {
        JsonRejection::MissingJsonContentType(_) => Error::UnsupportedMediaType,
        JsonRejection::JsonSyntaxError(e) => {
            Error::InvalidRequest(format!("malformed JSON: {}", e.body_text()))
        }
        JsonRejection::JsonDataError(e) => {
            Error::InvalidRequest(format!("invalid request body: {}", e.body_text()))
        }
        other => Error::InvalidRequest(format!("unreadable request body: {}", other.body_text())),
    }
}

/// Query parameters, refused with a problem when they do not parse.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => Err(Error::InvalidRequest(
                format!("invalid query: {}", e.body_text()),
            )),
            Err(other) => Err(Error::InvalidRequest(other.body_text())),
        }
    }
}

/// Path parameters (ids), refused with a problem when they are not UTF-8 or do not parse.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => Err(Error::InvalidRequest(
                format!("invalid path: {}", e.body_text()),
            )),
            // Missing parameters are a routing mistake of ours, not the caller's.
            Err(other) => Err(Error::Internal(other.body_text())),
        }
    }
}

/// Whether reading the body failed because the client did not send it in time (the body
/// deadline of `http::limits`), as opposed to a malformed or oversized body.
fn body_timed_out(rejection: &JsonRejection) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(rejection);
    while let Some(error) = source {
        if error.is::<crate::http::limits::BodyTimedOut>() {
            return true;
        }
        source = error.source();
    }
    false
}

/// For `#[serde(default, deserialize_with = "present_value")]` on an `Option<Option<T>>`: tells a
/// field left out (leave as is) from one set to `null` (clear it).
pub fn present_value<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}
