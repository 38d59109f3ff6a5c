//! The dates of an agreement that lists filter on, kept as columns beside the aggregate.

use chrono::NaiveDate;
use rapport_domain::agreement::Agreement;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, UpdateMany};

use super::super::entity::agreement;
use super::super::{Store, StoreError};

/// The derived dates of an agreement, as the domain computes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AgreementDates {
    effective_from: Option<NaiveDate>,
    term_end: Option<NaiveDate>,
    cancel_by: Option<NaiveDate>,
    next_review_on: Option<NaiveDate>,
}

impl AgreementDates {
    /// The dates of `agreement` as its GraphQL fields show them.
    pub(crate) fn of(agreement: &Agreement) -> Self {
        AgreementDates {
            effective_from: agreement
                .sections()
                .summary
                .as_ref()
                .map(|s| s.effective_from),
            term_end: agreement.term_end(),
            cancel_by: agreement.cancel_by(),
            next_review_on: agreement.next_review_on(),
        }
    }
}

/// Adds the derived date columns to an update of agreement rows.
pub(crate) fn with_dates(
    update: UpdateMany<agreement::Entity>,
    dates: AgreementDates,
) -> UpdateMany<agreement::Entity> {
    update
        .col_expr(
            agreement::Column::EffectiveFrom,
            Expr::value(dates.effective_from),
        )
        .col_expr(agreement::Column::TermEnd, Expr::value(dates.term_end))
        .col_expr(agreement::Column::CancelBy, Expr::value(dates.cancel_by))
        .col_expr(
            agreement::Column::NextReviewOn,
            Expr::value(dates.next_review_on),
        )
        .col_expr(agreement::Column::DatesDerived, Expr::value(true))
}

/// Rows per round of the backfill.
const BACKFILL_BATCH: u64 = 200;

impl Store {
    /// Fills the derived date columns of agreements written before they existed (the
    /// migration cannot: the dates come from domain rules over the stored JSON). Idempotent;
    /// a no-op once every row is derived. Answers how many rows it filled.
    pub(crate) async fn backfill_agreement_dates(&self) -> Result<u64, StoreError> {
        let db = self.writer();
        let mut filled = 0;
        loop {
            let rows = agreement::Entity::find()
                .filter(agreement::Column::DatesDerived.eq(false))
                .order_by_asc(agreement::Column::Id)
                .limit(BACKFILL_BATCH)
                .all(db)
                .await?;
            if rows.is_empty() {
                return Ok(filled);
            }
            for a in super::super::agreements::restore_rows(db, rows).await? {
                with_dates(agreement::Entity::update_many(), AgreementDates::of(&a))
                    .filter(agreement::Column::Id.eq(a.id().get()))
                    .exec(db)
                    .await?;
                filled += 1;
            }
        }
    }
}
