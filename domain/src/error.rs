//! Errors the domain can answer with. Each maps to one stable API code.

use std::fmt;

/// A value from the outside that could not become a domain value.
///
/// `field` is the input path the caller used (`email`, `phones[1].number`), so the API can name
/// it back; `message` says what is wrong in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// Path of the offending input field.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl ValidationError {
    /// A validation error for `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same error reported under a parent path: `phones[0]` + `number` → `phones[0].number`.
    #[must_use]
    pub fn within(self, parent: &str) -> Self {
        let field = if self.field.is_empty() {
            parent.to_owned()
        } else {
            format!("{parent}.{}", self.field)
        };
        Self { field, ..self }
    }

    /// The same error reported under another field name.
    #[must_use]
    pub fn at(self, field: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            ..self
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for ValidationError {}

/// Why a domain rule said no.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// Input that is not a valid value (maps to `BAD_USER_INPUT`).
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The entity is in a state that does not allow this action (maps to `INVALID_TRANSITION`).
    #[error("cannot {action} while {current}: {reason}")]
    InvalidTransition {
        /// The state the entity is in now, as the API names it (`CLIENT`, `ERASED`, …).
        current: String,
        /// What was attempted, in words (`promote to client`).
        action: &'static str,
        /// Why it is refused.
        reason: String,
    },
    /// Something is not complete or coherent enough for the action; every problem is listed
    /// at once so the user can fix them all in one go (maps to `BAD_USER_INPUT`).
    #[error("{}", join_problems(.0))]
    Incomplete(Vec<ValidationError>),
}

/// `field: message; field: message`.
fn join_problems(problems: &[ValidationError]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl DomainError {
    /// Shorthand for [`DomainError::Invalid`].
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(ValidationError::new(field, message))
    }

    /// The problems an [`Incomplete`](DomainError::Incomplete) or
    /// [`Invalid`](DomainError::Invalid) error lists (empty for other errors).
    pub fn problems(&self) -> &[ValidationError] {
        match self {
            Self::Invalid(problem) => std::slice::from_ref(problem),
            Self::Incomplete(problems) => problems,
            Self::InvalidTransition { .. } => &[],
        }
    }

    /// Shorthand for [`DomainError::InvalidTransition`].
    pub fn transition(
        current: impl Into<String>,
        action: &'static str,
        reason: impl Into<String>,
    ) -> Self {
        Self::InvalidTransition {
            current: current.into(),
            action,
            reason: reason.into(),
        }
    }
}
