//! One error type for every use case, carrying the stable codes of the API.

use rapport_domain::DomainError;
use rapport_domain::permissions::Denied;

use crate::store::StoreError;

/// Why a request failed, in the API's vocabulary. Only [`ApiError::Internal`] hides its cause:
/// the cause is logged with the request id, and the client gets the code and the id.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No valid credentials.
    #[error("authentication required")]
    Unauthenticated,
    /// Not allowed for this caller.
    #[error("not allowed")]
    Forbidden,
    /// No such thing (or not visible to this caller).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// An input value is wrong; `field` names it.
    #[error("{field}: {message}")]
    BadUserInput {
        /// Input path of the field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Stale `expectedVersion`.
    #[error("{0}")]
    Conflict(String),
    /// The entity's state does not allow the action.
    #[error("{message}")]
    InvalidTransition {
        /// Current state, as the API names it.
        current: String,
        /// Why.
        message: String,
    },
    /// Anything else: a bug or an outage.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    /// The stable code clients branch on.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated => "UNAUTHENTICATED",
            ApiError::Forbidden => "FORBIDDEN",
            ApiError::NotFound(_) => "NOT_FOUND",
            ApiError::BadUserInput { .. } => "BAD_USER_INPUT",
            ApiError::Conflict(_) => "CONFLICT",
            ApiError::InvalidTransition { .. } => "INVALID_TRANSITION",
            ApiError::Internal(_) => "INTERNAL",
        }
    }

    /// A bad-input error for `field`.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::BadUserInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Maps a permission refusal; `what` names the resource for NOT_FOUND.
    pub fn denied(denied: Denied, what: &'static str) -> Self {
        match denied {
            Denied::Forbidden => ApiError::Forbidden,
            Denied::NotFound => ApiError::NotFound(what),
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        match err {
            DomainError::Invalid(v) => ApiError::BadUserInput {
                field: v.field,
                message: v.message,
            },
            DomainError::InvalidTransition { ref current, .. } => ApiError::InvalidTransition {
                current: current.clone(),
                message: err.to_string(),
            },
            DomainError::Incomplete(ref problems) => ApiError::BadUserInput {
                field: problems
                    .first()
                    .map(|p| p.field.clone())
                    .unwrap_or_default(),
                message: err.to_string(),
            },
        }
    }
}

impl From<rapport_domain::ValidationError> for ApiError {
    fn from(v: rapport_domain::ValidationError) -> Self {
        ApiError::BadUserInput {
            field: v.field,
            message: v.message,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict { expected } => ApiError::Conflict(format!(
                "the record was changed since version {expected}; read it again and retry"
            )),
            StoreError::NotFound => ApiError::NotFound("record"),
            StoreError::Taken { field } => {
                ApiError::bad_input(field, "is already used by another record")
            }
            other => ApiError::Internal(Box::new(other)),
        }
    }
}
