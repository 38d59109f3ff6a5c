use sea_orm::sea_query::{Expr, ExprTrait, IntoColumnRef, Order};
use sea_orm::{
    ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Select,
};

use super::StoreError;

/// A keyset page request over rows ordered by id. Never OFFSET: a page costs the same wherever
/// it is in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Only rows after this id (forward paging).
    pub after: Option<i64>,
    /// Only rows before this id (backward paging).
    pub before: Option<i64>,
    /// How many rows.
    pub limit: u64,
    /// Take the last `limit` rows of the window instead of the first.
    pub from_end: bool,
}

/// One page of rows, in ascending id order.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// More rows follow the last one.
    pub has_next: bool,
    /// More rows precede the first one.
    pub has_previous: bool,
}

impl<T> Page<T> {
    /// No rows at all.
    pub fn empty() -> Self {
        Page {
            items: Vec::new(),
            has_next: false,
            has_previous: false,
        }
    }

    /// Converts every row, failing on the first that cannot be converted.
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_, _>>()?,
            has_next: self.has_next,
            has_previous: self.has_previous,
        })
    }
}

/// Runs `select` as a keyset page over `id_col`.
pub(crate) async fn fetch_page<E, M, C>(
    db: &impl ConnectionTrait,
    mut select: Select<E>,
    id_col: C,
    req: PageRequest,
) -> Result<Page<M>, StoreError>
where
    E: EntityTrait<Model = M>,
    M: FromQueryResult + Send + Sync,
    C: IntoColumnRef + Copy,
{
    if let Some(after) = req.after {
        select = select.filter(Expr::col(id_col).gt(after));
    }
    if let Some(before) = req.before {
        select = select.filter(Expr::col(id_col).lt(before));
    }
    let order = if req.from_end {
        Order::Desc
    } else {
        Order::Asc
    };
    let mut rows = select
        .order_by(Expr::col(id_col), order)
        .limit(req.limit + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > req.limit;
    rows.truncate(usize::try_from(req.limit).unwrap_or(usize::MAX));
    if req.from_end {
        rows.reverse();
        Ok(Page {
            items: rows,
            has_next: req.before.is_some(),
            has_previous: more,
        })
    } else {
        Ok(Page {
            items: rows,
            has_next: more,
            has_previous: req.after.is_some(),
        })
    }
}
