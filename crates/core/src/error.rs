use thiserror::Error;

/// Input the domain refuses. The message is written for the caller and never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    #[error("{0}")]
    Invalid(String),
    #[error("password rejected: {0}")]
    WeakPassword(String),
    /// An allowance is used up (the request is valid, the state refuses it).
    #[error("{0}")]
    Limit(String),
    /// A factor the request is valid for, but this server cannot run (nothing to deliver it).
    #[error("{0}")]
    Unsupported(String),
}

impl DomainError {
    pub fn invalid(message: impl Into<String>) -> Self {
        DomainError::Invalid(message.into())
    }
}
