use sea_orm::{DbErr, SqlErr};

/// What can go wrong in the store. Only [`StoreError::Conflict`], [`StoreError::NotFound`] and
/// [`StoreError::Taken`] are meant for users; the rest are internal and their text never leaves
/// the server.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row changed since the caller read it (optimistic concurrency).
    #[error("the record was changed by someone else (expected version {expected})")]
    Conflict {
        /// The version the caller expected.
        expected: i32,
    },
    /// No such row.
    #[error("not found")]
    NotFound,
    /// A unique value is already used by another row.
    #[error("{field} is already in use")]
    Taken {
        /// The input field the value came from.
        field: &'static str,
    },
    /// A stored row could not be turned back into a domain value.
    #[error("stored {table} row {id} is invalid: {reason}")]
    Corrupt {
        /// Table.
        table: &'static str,
        /// Row id.
        id: String,
        /// What is wrong.
        reason: String,
    },
    /// Any other database failure.
    #[error("database failure")]
    Db(#[source] DbErr),
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(message)) = err.sql_err() {
            let field = if message.contains("email_key") {
                "email"
            } else if message.contains("external") {
                "externalId"
            } else if message.contains("account_domains") || message.contains("domain") {
                "domains"
            } else if message.contains("subject") {
                "subject"
            } else {
                return StoreError::Db(err);
            };
            return StoreError::Taken { field };
        }
        StoreError::Db(err)
    }
}

impl StoreError {
    pub(crate) fn corrupt(table: &'static str, id: impl ToString, reason: impl ToString) -> Self {
        StoreError::Corrupt {
            table,
            id: id.to_string(),
            reason: reason.to_string(),
        }
    }
}
