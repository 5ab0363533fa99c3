//! The server's one error type. `http/problem.rs` is the only place it becomes a status code.

use thiserror::Error;
use twofold_core::altcha::AltchaChallenge;
use twofold_core::{DomainError, Factor, UnixTime};
use twofold_delivery::DeliveryError;
use twofold_store::StoreError;

#[derive(Debug, Error)]
pub enum Error {
    #[error("{0}")]
    InvalidRequest(String),
    #[error("the request body is too large")]
    BodyTooLarge,
    /// The client did not send its request body within the body timeout.
    #[error("the request body did not arrive in time")]
    RequestTimeout,
    #[error("expected a JSON body with Content-Type: application/json")]
    UnsupportedMediaType,
    #[error("method not allowed on this resource")]
    MethodNotAllowed,
    #[error("missing or invalid credentials")]
    Unauthorized,
    #[error("the login name or password is wrong")]
    InvalidCredentials,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("the code is wrong")]
    InvalidCode { attempts_left: u32 },
    #[error("the code has expired; start again")]
    CodeExpired,
    #[error("the code was already used")]
    ReplayedCode { attempts_left: u32 },
    #[error("too many failed attempts")]
    Locked { until: Option<UnixTime> },
    /// The captcha lockout type: this attempt must carry a solved ALTCHA challenge; here is one.
    #[error("{reason}")]
    CaptchaRequired {
        challenge: Box<AltchaChallenge>,
        reason: &'static str,
    },
    #[error("a further factor is required")]
    MfaRequired { next: Vec<Factor> },
    #[error("a first factor must pass (again) for this request")]
    LoginRequired { next: Vec<Factor> },
    #[error("{reason}")]
    InsufficientAuthentication {
        reason: String,
        /// The client's redirect URI carrying the error, for the login UI to send the person back.
        redirect_uri: Option<String>,
    },
    /// An RFC 6749 error of the token endpoint, rendered in OAuth's own format.
    #[error("{description}")]
    OAuth {
        error: OAuthError,
        description: String,
    },
    /// A bearer access token that is not (or no longer) valid (RFC 6750).
    #[error("the access token is invalid or expired")]
    InvalidToken,
    /// The push is not answered yet (or another sign-in's push is waiting for the user).
    #[error("the push is waiting for an answer on the device")]
    PushPending { expires_at: UnixTime },
    #[error("the push was denied on the device")]
    PushDenied,
    #[error("the number typed on the device was wrong")]
    PushWrongNumber,
    /// Too many pushes were refused or left unanswered: push is paused for the user.
    #[error("push is paused for this user after too many refused pushes; use another factor")]
    PushPaused { until: UnixTime },
    #[error("a second factor must be set up first")]
    SetupRequired { next: Vec<Factor> },
    #[error("too many requests")]
    RateLimited { retry_after_seconds: u64 },
    /// A capability the operator has not configured; the detail says what to set.
    #[error("{0}")]
    NotConfigured(String),
    #[error("a dependency is unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// The error codes of RFC 6749 §5.2 that the token endpoint answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthError {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnsupportedGrantType,
}

impl OAuthError {
    pub fn as_str(self) -> &'static str {
        match self {
            OAuthError::InvalidRequest => "invalid_request",
            OAuthError::InvalidClient => "invalid_client",
            OAuthError::InvalidGrant => "invalid_grant",
            OAuthError::UnsupportedGrantType => "unsupported_grant_type",
        }
    }
}

impl From<StoreError> for Error {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(detail) => Error::Unavailable(detail),
            StoreError::Conflict(detail) => Error::Conflict(format!("already exists ({detail})")),
            other => Error::Internal(other.to_string()),
        }
    }
}

impl From<DeliveryError> for Error {
    fn from(err: DeliveryError) -> Self {
        match err {
            DeliveryError::NotConfigured(..) | DeliveryError::Config(_) => {
                Error::NotConfigured(err.to_string())
            }
            other => Error::Unavailable(other.to_string()),
        }
    }
}

impl From<DomainError> for Error {
    fn from(err: DomainError) -> Self {
        match err {
            DomainError::Limit(message) | DomainError::Unsupported(message) => {
                Error::Conflict(message)
            }
            other => Error::InvalidRequest(other.to_string()),
        }
    }
}
