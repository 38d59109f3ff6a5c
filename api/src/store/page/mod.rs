//! Keyset pages: a list ordered by any sort keys a connection offers, with the row id as the
//! last tie-breaker, paged forwards or backwards from a cursor that holds the sort values and
//! the id of a row. Never OFFSET: a page costs the same wherever it is in the list.
//!
//! Order rules, identical on SQLite and PostgreSQL because the SQL spells them out: `ASC` puts
//! NULL after every value (NULLS LAST), `DESC` is the exact reverse (NULLS FIRST); the id
//! follows the direction of the last key (ascending when there is none). Text keys are stored
//! lower-cased by Rapport and compared byte-wise (see the migration `sort_indexes`).

mod keyset;

use sea_orm::sea_query::{NullOrdering, Order};
use sea_orm::{EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select};

pub use keyset::{KeyValue, Keyset, NoSort, SortField, Sorted, check_keyset, signature};

use super::StoreError;
use super::by_position::{self, ReadRow};

/// A keyset page request. Never OFFSET: a page costs the same wherever it is in the list.
#[derive(Debug, Clone, PartialEq)]
pub struct PageRequest<F = NoSort> {
    /// Only rows after this one (forward paging).
    pub after: Option<Keyset>,
    /// Only rows before this one (backward paging).
    pub before: Option<Keyset>,
    /// How many rows.
    pub limit: u64,
    /// Take the last `limit` rows of the window instead of the first.
    pub from_end: bool,
    /// The sort keys, most significant first (empty: by id).
    pub order: Vec<Sorted<F>>,
}

impl<F> PageRequest<F> {
    /// The first `limit` rows by id.
    pub fn first(limit: u64) -> Self {
        PageRequest {
            after: None,
            before: None,
            limit,
            from_end: false,
            order: Vec::new(),
        }
    }
}

/// One page of rows, in list order.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// More rows follow the last one.
    pub has_next: bool,
    /// More rows precede the first one.
    pub has_previous: bool,
    /// Where each row is, for cursors (one per item; empty for lists paged by id only).
    pub cursors: Vec<Keyset>,
}

impl<T> Page<T> {
    /// No rows at all.
    pub fn empty() -> Self {
        Page {
            items: Vec::new(),
            has_next: false,
            has_previous: false,
            cursors: Vec::new(),
        }
    }

    /// Converts every row, failing on the first that cannot be converted.
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_, _>>()?,
            has_next: self.has_next,
            has_previous: self.has_previous,
            cursors: self.cursors,
        })
    }
}

/// A select filtered to the window of a page request and ordered by its keys.
struct Ordered<E: EntityTrait> {
    select: Select<E>,
    keys: Vec<keyset::Key<E::Column>>,
    /// The order's signature.
    order: String,
}

/// `select` filtered to the window of `req` and ordered by its keys, one row more than the
/// page (to know whether more follow).
fn ordered<E, F>(
    mut select: Select<E>,
    id_col: E::Column,
    req: &PageRequest<F>,
) -> Result<Ordered<E>, StoreError>
where
    E: EntityTrait,
    F: SortField<Entity = E>,
{
    let keys = keyset::keys(&req.order, id_col);
    let order = signature(&req.order);
    for (k, flip) in [(&req.after, false), (&req.before, true)] {
        if let Some(k) = k {
            check_keyset(&req.order, k).map_err(|e| StoreError::corrupt("cursor", &order, e))?;
            select = select.filter(keyset::beyond(&keys, k, flip));
        }
    }
    for key in &keys {
        let desc = key.desc != req.from_end;
        let ord = if desc { Order::Desc } else { Order::Asc };
        if key.nullable {
            let nulls = if desc {
                NullOrdering::First
            } else {
                NullOrdering::Last
            };
            select = select.order_by_with_nulls(key.expr(), ord, nulls);
        } else {
            select = select.order_by(key.expr(), ord);
        }
    }
    Ok(Ordered {
        select: select.limit(req.limit + 1),
        keys,
        order,
    })
}

/// The page of `rows` (read with one row more than `req.limit`, to know whether more follow),
/// each with its place in the list.
fn finish<T, F>(mut rows: Vec<(T, Keyset)>, req: &PageRequest<F>) -> Page<T> {
    let more = rows.len() as u64 > req.limit;
    rows.truncate(usize::try_from(req.limit).unwrap_or(usize::MAX));
    if req.from_end {
        rows.reverse();
    }
    let (items, cursors) = rows.into_iter().unzip();
    let (has_next, has_previous) = if req.from_end {
        (req.before.is_some(), more)
    } else {
        (more, req.after.is_some())
    };
    Page {
        items,
        has_next,
        has_previous,
        cursors,
    }
}

/// Runs `select` as a keyset page over `req.order` and then `id_col`.
pub(crate) async fn fetch_page<E, F>(
    db: &impl sea_orm::ConnectionTrait,
    select: Select<E>,
    id_col: E::Column,
    req: &PageRequest<F>,
) -> Result<Page<E::Model>, StoreError>
where
    E: EntityTrait,
    E::Model: Send + Sync,
    F: SortField<Entity = E>,
{
    let Ordered {
        select,
        keys,
        order,
    } = ordered(select, id_col, req)?;
    let rows = select
        .all(db)
        .await?
        .into_iter()
        .map(|row| {
            let at = keyset::of_row(&keys, &order, &row)?;
            Ok((row, at))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(finish(rows, req))
}

/// Runs `select` as a keyset page over `req.order` and then `id_col`, reading the columns of
/// `R` by position (see `by_position`) and, after them, the sort keys for the cursors.
pub(in crate::store) async fn fetch_rows<R, F>(
    db: &impl sea_orm::ConnectionTrait,
    select: Select<R::Entity>,
    id_col: <R::Entity as EntityTrait>::Column,
    req: &PageRequest<F>,
) -> Result<Page<R>, StoreError>
where
    R: ReadRow,
    F: SortField<Entity = R::Entity>,
{
    let Ordered {
        select,
        keys,
        order,
    } = ordered(select, id_col, req)?;
    let mut q = select.select_only().into_query();
    by_position::select::<R>(&mut q);
    for key in &keys {
        q.expr(key.expr());
    }
    let kinds = keyset::kinds(&keys);
    let rows = db
        .query_all(&q)
        .await?
        .iter()
        .map(|row| {
            let (item, next) = R::read_at(row, 0)?;
            let at = keyset::of_result(&kinds, &order, row, next)?;
            Ok((item, at))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(finish(rows, req))
}
