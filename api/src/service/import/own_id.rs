//! A row's own Rapport id, as an export writes it: the `id` column (a global id) with the
//! `created_at` column. A row matches the record with that id only when the record was
//! created at that very instant, so a file exported from this database finds its records again
//! while an id from another database (or a made-up one) matches nothing.

use chrono::{DateTime, Utc};

use super::rows::Cells;
use crate::global_id::{self, Kind};

/// A record's id and creation time, read from a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct OwnId {
    /// The row id.
    pub id: i64,
    /// When the record was created.
    pub created_at: DateTime<Utc>,
}

impl OwnId {
    /// The row's own id, when it has both an `id` of `kind` and a `created_at`; anything else
    /// in those columns is ignored, as before matching by id existed.
    pub fn read(cells: &Cells<'_>, kind: Kind) -> Option<Self> {
        let id = cells.value("id").and_then(|v| global_id::decode(kind, v));
        let created_at = cells
            .value("created_at")
            .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
            .map(|t| t.with_timezone(&Utc));
        id.zip(created_at)
            .map(|(id, created_at)| Self { id, created_at })
    }

    /// Whether a record created at `created_at` is the one this row names.
    pub fn names(&self, created_at: DateTime<Utc>) -> bool {
        self.created_at == created_at
    }
}
