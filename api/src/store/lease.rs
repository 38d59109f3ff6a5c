//! Rows held under a lease by one worker at a time (import jobs, backfill runs): the update that
//! ends one, written once for both tables.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{EntityTrait, UpdateMany};

use super::entity::{import_job, sync_resync};

/// A table whose rows are held under a lease, by its columns.
pub(super) trait Leased: EntityTrait {
    /// The row's state.
    const STATE: Self::Column;
    /// When the row ended.
    const FINISHED_AT: Self::Column;
    /// When the row last changed.
    const UPDATED_AT: Self::Column;
    /// The holder's token (fences late writes of a lost holder).
    const LEASE_TOKEN: Self::Column;
    /// Until when the holder keeps it.
    const LEASE_UNTIL: Self::Column;
}

impl Leased for import_job::Entity {
    const STATE: import_job::Column = import_job::Column::State;
    const FINISHED_AT: import_job::Column = import_job::Column::FinishedAt;
    const UPDATED_AT: import_job::Column = import_job::Column::UpdatedAt;
    const LEASE_TOKEN: import_job::Column = import_job::Column::LeaseToken;
    const LEASE_UNTIL: import_job::Column = import_job::Column::LeaseUntil;
}

impl Leased for sync_resync::Entity {
    const STATE: sync_resync::Column = sync_resync::Column::State;
    const FINISHED_AT: sync_resync::Column = sync_resync::Column::FinishedAt;
    const UPDATED_AT: sync_resync::Column = sync_resync::Column::UpdatedAt;
    const LEASE_TOKEN: sync_resync::Column = sync_resync::Column::LeaseToken;
    const LEASE_UNTIL: sync_resync::Column = sync_resync::Column::LeaseUntil;
}

/// The update that ends rows of `E` in `state` at `now` and lets go of their lease (the caller
/// adds which rows, and any other column).
pub(super) fn ending<E: Leased>(state: &str, now: DateTime<Utc>) -> UpdateMany<E> {
    E::update_many()
        .col_expr(E::STATE, Expr::value(state))
        .col_expr(E::FINISHED_AT, Expr::value(now))
        .col_expr(E::UPDATED_AT, Expr::value(now))
        .col_expr(E::LEASE_TOKEN, Expr::value(Option::<String>::None))
        .col_expr(E::LEASE_UNTIL, Expr::value(Option::<DateTime<Utc>>::None))
}
