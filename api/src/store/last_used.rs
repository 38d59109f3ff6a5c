//! When a credential was last used, recorded at most once per `gap` (so a busy credential
//! costs one write per `gap` across every process, not one per request).

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, IntoCondition};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};

use super::StoreError;

/// Sets `column` to `now` on the rows `rows` selects, unless it was set less than `gap` before
/// `now`. Whether a row changed.
pub(super) async fn touch<E: EntityTrait>(
    db: &impl ConnectionTrait,
    rows: impl IntoCondition,
    column: E::Column,
    now: DateTime<Utc>,
    gap: Duration,
) -> Result<bool, StoreError> {
    let done = E::update_many()
        .col_expr(column, Expr::value(now))
        .filter(rows)
        .filter(
            Condition::any()
                .add(column.is_null())
                .add(column.lt(now - gap)),
        )
        .exec(db)
        .await?;
    Ok(done.rows_affected > 0)
}
