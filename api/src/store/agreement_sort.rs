//! The dates agreements and accounts are sorted by, kept in columns: an agreement's
//! `effective_from`, `term_end`, `cancel_by`, `next_review_on` and `deadline` (the earlier of
//! `cancel_by` and `term_end`), written with every save; and an account's `next_deadline`, the
//! earliest `deadline` of its agreements in force, refreshed in the same transaction.
//! Agreements saved before these columns existed are filled once at start-up.

use chrono::NaiveDate;
use rapport_domain::agreement::Agreement;
use rapport_domain::ids::AccountId;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, UpdateMany};

use super::entity::{account, agreement};
use super::{Store, StoreError};

/// The version of the derived columns; rows below it are filled at start-up.
pub(super) const SORT_VERSION: i16 = 1;

/// Sets an agreement's sort columns on an update of its row.
pub(super) fn set_dates(
    update: UpdateMany<agreement::Entity>,
    a: &Agreement,
) -> UpdateMany<agreement::Entity> {
    let effective_from = a.sections().summary.as_ref().map(|s| s.effective_from);
    let cancel_by = a.cancel_by();
    let term_end = a.term_end();
    let deadline = match (cancel_by, term_end) {
        (Some(c), Some(t)) => Some(c.min(t)),
        (c, t) => c.or(t),
    };
    update
        .col_expr(
            agreement::Column::EffectiveFrom,
            Expr::value(effective_from),
        )
        .col_expr(agreement::Column::TermEnd, Expr::value(term_end))
        .col_expr(agreement::Column::CancelBy, Expr::value(cancel_by))
        .col_expr(
            agreement::Column::NextReviewOn,
            Expr::value(a.next_review_on()),
        )
        .col_expr(agreement::Column::Deadline, Expr::value(deadline))
        .col_expr(agreement::Column::SortVersion, Expr::value(SORT_VERSION))
}

/// Recomputes an account's `next_deadline` from its agreements in force.
pub(super) async fn refresh_account(
    db: &impl ConnectionTrait,
    account_id: AccountId,
) -> Result<(), StoreError> {
    let earliest: Option<Option<NaiveDate>> = agreement::Entity::find()
        .select_only()
        .column_as(agreement::Column::Deadline.min(), "deadline")
        .filter(agreement::Column::AccountId.eq(account_id.get()))
        .filter(agreement::Column::InForce.eq(true))
        .into_tuple()
        .one(db)
        .await?;
    account::Entity::update_many()
        .col_expr(
            account::Column::NextDeadline,
            Expr::value(earliest.flatten()),
        )
        .filter(account::Column::Id.eq(account_id.get()))
        .exec(db)
        .await?;
    Ok(())
}

impl Store {
    /// Fills the sort columns of agreements saved before they existed (or before their
    /// current version), a hundred at a time, and their accounts' `next_deadline`.
    pub(super) async fn fill_agreement_sort_columns(&self) -> Result<u64, StoreError> {
        // One read when nothing is left to fill (every start after the first): no write
        // transaction, so no write lock on SQLite.
        let waiting = agreement::Entity::find()
            .select_only()
            .column(agreement::Column::Id)
            .filter(agreement::Column::SortVersion.lt(SORT_VERSION))
            .limit(1)
            .into_tuple::<i64>()
            .one(self.writer())
            .await?;
        if waiting.is_none() {
            return Ok(0);
        }
        let mut filled = 0;
        loop {
            let tx = self.begin().await?;
            let rows = agreement::Entity::find()
                .filter(agreement::Column::SortVersion.lt(SORT_VERSION))
                .limit(100)
                .all(&tx.inner)
                .await?;
            if rows.is_empty() {
                return Ok(filled);
            }
            for a in super::agreements::with_revisions(&tx.inner, rows).await? {
                set_dates(agreement::Entity::update_many(), &a)
                    .filter(agreement::Column::Id.eq(a.id().get()))
                    .exec(&tx.inner)
                    .await?;
                refresh_account(&tx.inner, a.account()).await?;
                filled += 1;
            }
            tx.commit().await?;
        }
    }
}
