use async_graphql::{Error, ErrorExtensions};

use crate::error::ApiError;

/// Turns an [`ApiError`] into a GraphQL error with `extensions.code` (and `extensions.field`
/// for bad input). An internal error is logged with its whole cause chain here, inside the
/// request's span; the client gets only the code (the HTTP layer adds the request id).
pub fn gql(err: ApiError) -> Error {
    if let ApiError::Internal(cause) = &err {
        let mut chain = cause.to_string();
        let mut source = cause.source();
        while let Some(s) = source {
            chain.push_str(": ");
            chain.push_str(&s.to_string());
            source = s.source();
        }
        tracing::error!(error = %chain, "internal error");
    }
    let code = err.code();
    let message = match &err {
        ApiError::Internal(_) => "internal error".to_owned(),
        ApiError::Unauthenticated => "authentication required".to_owned(),
        ApiError::Forbidden => "you are not allowed to do this".to_owned(),
        other => other.to_string(),
    };
    let field = match &err {
        ApiError::BadUserInput { field, .. } => Some(field.clone()),
        _ => None,
    };
    let current = match &err {
        ApiError::InvalidTransition { current, .. } => Some(current.clone()),
        _ => None,
    };
    Error::new(message).extend_with(|_, ext| {
        ext.set("code", code);
        if let Some(field) = &field {
            ext.set("field", field.as_str());
        }
        if let Some(current) = &current {
            ext.set("current", current.as_str());
        }
    })
}

/// `result.map_err(gql)` as a method.
pub trait GqlResultExt<T> {
    /// Maps the error into a GraphQL error with its code.
    fn gql(self) -> Result<T, Error>;
}

impl<T, E: Into<ApiError>> GqlResultExt<T> for Result<T, E> {
    fn gql(self) -> Result<T, Error> {
        self.map_err(|e| gql(e.into()))
    }
}
