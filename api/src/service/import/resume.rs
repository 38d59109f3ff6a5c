//! What an import run as a job adds to the row loop: it starts after the rows a killed run
//! already committed, and each chunk's transaction carries the job's progress before it
//! commits, so the rows and the resume point are written together or not at all.

use async_trait::async_trait;

use super::RowReport;
use crate::error::ApiError;
use crate::store::Tx;

/// Called once per chunk, before its transaction commits.
#[async_trait]
pub trait Checkpoint: Send {
    /// Writes the job's progress in `tx`, the chunk's own transaction (in a dry run, whose
    /// chunks roll back, a transaction of its own): `rows` are the chunk's outcomes,
    /// `rows_done` the rows of the file handled once it commits, `rows_total` the file's rows.
    /// An error rolls the chunk back and stops the import (a lost lease, a cancelled job).
    async fn chunk(
        &mut self,
        tx: &Tx,
        rows: &[RowReport],
        rows_done: u64,
        rows_total: u64,
    ) -> Result<(), ApiError>;
}

/// Where a job's import takes up, and who hears of each chunk.
pub struct Resume<'a> {
    /// Rows of the file whose outcomes are already committed: read again only to remember
    /// their keys (so a later row repeating one is still refused as a possible duplicate),
    /// never written again.
    pub rows_done: u64,
    /// Hears of each chunk before it commits.
    pub checkpoint: &'a mut dyn Checkpoint,
}

impl std::fmt::Debug for Resume<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resume")
            .field("rows_done", &self.rows_done)
            .finish_non_exhaustive()
    }
}
