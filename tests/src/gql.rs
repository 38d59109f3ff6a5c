//! A GraphQL response as the tests read it.

use serde_json::Value;

/// A GraphQL response body with helpers to read it.
#[derive(Debug, Clone)]
pub struct Gql {
    /// HTTP status.
    pub status: u16,
    /// The body.
    pub body: Value,
}

impl Gql {
    /// `data` at a JSON pointer (`/account/name`).
    pub fn data(&self, pointer: &str) -> &Value {
        self.body
            .pointer(&format!("/data{pointer}"))
            .unwrap_or(&Value::Null)
    }

    /// The code of the first error, if any.
    pub fn error_code(&self) -> Option<&str> {
        self.body
            .pointer("/errors/0/extensions/code")
            .and_then(Value::as_str)
    }

    /// The field named by the first error, if any.
    pub fn error_field(&self) -> Option<&str> {
        self.body
            .pointer("/errors/0/extensions/field")
            .and_then(Value::as_str)
    }

    /// Panics with the whole body unless there were no errors.
    pub fn ok(self) -> Self {
        assert!(
            self.body.get("errors").is_none(),
            "unexpected errors (status {}): {}",
            self.status,
            self.body
        );
        self
    }
}
