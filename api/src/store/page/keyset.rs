//! Sort keys, the values a cursor holds, and the predicate "beyond this row" built explicitly
//! for NULLs (never left to each database's default).

use std::fmt::Debug;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{ColumnType, Expr, ExprTrait, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, EntityTrait, ModelTrait, Value};
use serde::{Deserialize, Serialize};

use crate::store::StoreError;

/// A field a list can be sorted by: a column of the listed entity.
pub trait SortField: Copy + Debug + PartialEq + Send + Sync + 'static {
    /// The listed entity.
    type Entity: EntityTrait;
    /// The column holding the sort value.
    fn column(self) -> <Self::Entity as EntityTrait>::Column;
    /// The name cursors record (stable: changing it invalidates cursors).
    fn name(self) -> &'static str;
}

/// A list without sort fields of its own: by id only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoSort {}

impl SortField for NoSort {
    type Entity = super::super::entity::partner::Entity;
    fn column(self) -> super::super::entity::partner::Column {
        match self {}
    }
    fn name(self) -> &'static str {
        match self {}
    }
}

/// One sort key and its direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sorted<F> {
    /// The field.
    pub field: F,
    /// Descending (the exact reverse of ascending, NULLs first).
    pub desc: bool,
}

/// A sort value as a cursor holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyValue {
    /// No value (sorts after every value ascending).
    #[serde(rename = "n")]
    Null,
    /// Text (a stored, lower-cased key).
    #[serde(rename = "s")]
    Text(String),
    /// An integer.
    #[serde(rename = "i")]
    Int(i64),
    /// A calendar date.
    #[serde(rename = "d")]
    Date(NaiveDate),
    /// An instant.
    #[serde(rename = "t")]
    Time(DateTime<Utc>),
}

/// Where a row is in a sorted list: the order it was listed in, its sort values and its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keyset {
    /// The order's signature ([`signature`]); empty for id order.
    #[serde(rename = "o")]
    pub order: String,
    /// One value per sort key.
    #[serde(rename = "k")]
    pub values: Vec<KeyValue>,
    /// The row id.
    #[serde(rename = "i")]
    pub id: i64,
}

/// The signature of an order, e.g. `name:asc,created_at:desc` (empty for id order).
pub fn signature<F: SortField>(order: &[Sorted<F>]) -> String {
    order
        .iter()
        .map(|s| format!("{}:{}", s.field.name(), if s.desc { "desc" } else { "asc" }))
        .collect::<Vec<_>>()
        .join(",")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Int,
    Date,
    Time,
}

fn kind_of(ty: &ColumnType) -> Option<Kind> {
    match ty {
        ColumnType::Char(_) | ColumnType::String(_) | ColumnType::Text => Some(Kind::Text),
        ColumnType::TinyInteger
        | ColumnType::SmallInteger
        | ColumnType::Integer
        | ColumnType::BigInteger => Some(Kind::Int),
        ColumnType::Date => Some(Kind::Date),
        ColumnType::DateTime | ColumnType::Timestamp | ColumnType::TimestampWithTimeZone => {
            Some(Kind::Time)
        }
        _ => None,
    }
}

/// One key of the ORDER BY, id included.
pub(super) struct Key<C> {
    column: C,
    pub(super) nullable: bool,
    pub(super) desc: bool,
}

impl<C: ColumnTrait> Key<C> {
    fn new(column: C, desc: bool) -> Self {
        let def = column.def();
        Key {
            column,
            nullable: def.is_null(),
            desc,
        }
    }

    pub(super) fn expr(&self) -> SimpleExpr {
        Expr::col((self.column.entity_name(), self.column))
    }

    fn eq(&self, v: &KeyValue) -> SimpleExpr {
        match v {
            KeyValue::Null => self.expr().is_null(),
            v => self.expr().eq(value(v)),
        }
    }

    /// Rows whose key comes strictly after `v` in this key's direction.
    fn after(&self, v: &KeyValue, desc: bool) -> Option<SimpleExpr> {
        match (v, desc) {
            (KeyValue::Null, false) => None,
            (KeyValue::Null, true) => Some(self.expr().is_not_null()),
            (v, false) if self.nullable => Some(self.expr().gt(value(v)).or(self.expr().is_null())),
            (v, false) => Some(self.expr().gt(value(v))),
            (v, true) => Some(self.expr().lt(value(v))),
        }
    }
}

fn value(v: &KeyValue) -> Value {
    match v {
        KeyValue::Null => Value::String(None),
        KeyValue::Text(s) => s.clone().into(),
        KeyValue::Int(n) => (*n).into(),
        KeyValue::Date(d) => (*d).into(),
        KeyValue::Time(t) => (*t).into(),
    }
}

/// The keys of an order, the id last (in the direction of the last key).
pub(super) fn keys<F: SortField>(
    order: &[Sorted<F>],
    id: <F::Entity as EntityTrait>::Column,
) -> Vec<Key<<F::Entity as EntityTrait>::Column>> {
    let mut keys: Vec<_> = order
        .iter()
        .map(|s| Key::new(s.field.column(), s.desc))
        .collect();
    let id_desc = order.last().is_some_and(|s| s.desc);
    keys.push(Key::new(id, id_desc));
    keys
}

/// Rows strictly beyond `k`: after it in the list's order, or before it when `backwards`.
/// `(k1, …, kn, id) > (v1, …, vn, id0)`: as one row-value comparison where [`row_value`]
/// can (the index on the sort keys then reads the page as a range starting at the cursor),
/// otherwise spelled out as `k1 > v1 OR (k1 = v1 AND k2 > v2) …`, with each `>` and `=`
/// written for NULLs and the key's direction.
pub(super) fn beyond<C: ColumnTrait>(keys: &[Key<C>], k: &Keyset, backwards: bool) -> Condition {
    let values: Vec<KeyValue> = k
        .values
        .iter()
        .cloned()
        .chain([KeyValue::Int(k.id)])
        .collect();
    if let Some(beyond) = row_value(keys, &values, backwards) {
        return beyond;
    }
    let mut any = Condition::any();
    for (i, key) in keys.iter().enumerate() {
        let Some(after) = key.after(&values[i], key.desc != backwards) else {
            continue;
        };
        let mut all = Condition::all();
        for (prev, v) in keys.iter().zip(&values).take(i) {
            all = all.add(prev.eq(v));
        }
        any = any.add(all.add(after));
    }
    // No row lies beyond when every key is NULL and last: `any` stays empty, which is false.
    any
}

/// `(k1, …, kn, id) > (v1, …, vn, id0)` (`<` descending) as one row-value comparison, which
/// PostgreSQL and SQLite answer from a range of the index on those columns, when every key
/// runs in one direction and no value of the cursor is NULL. A row-value comparison is
/// unknown where a key is NULL; such rows lie beyond only ascending (NULLs last), and are
/// added by one term per nullable key: the keys before it equal, it NULL.
fn row_value<C: ColumnTrait>(
    keys: &[Key<C>],
    values: &[KeyValue],
    backwards: bool,
) -> Option<Condition> {
    let desc = keys.first()?.desc != backwards;
    if keys.iter().any(|k| (k.desc != backwards) != desc) || values.contains(&KeyValue::Null) {
        return None;
    }
    let columns = Expr::tuple(keys.iter().map(Key::expr));
    let cursor = Expr::tuple(values.iter().map(|v| Expr::val(value(v))));
    let mut any = Condition::any().add(if desc {
        columns.lt(cursor)
    } else {
        columns.gt(cursor)
    });
    if !desc {
        for (i, key) in keys.iter().enumerate().filter(|(_, k)| k.nullable) {
            let mut all = Condition::all();
            for (prev, v) in keys.iter().zip(values).take(i) {
                all = all.add(prev.eq(v));
            }
            any = any.add(all.add(key.expr().is_null()));
        }
    }
    Some(any)
}

/// Where `row` is in the list.
pub(super) fn of_row<M: ModelTrait>(
    keys: &[Key<<M::Entity as EntityTrait>::Column>],
    order: &str,
    row: &M,
) -> Result<Keyset, StoreError> {
    let mut values = Vec::with_capacity(keys.len());
    for key in keys {
        let v = row.get(key.column);
        values.push(from_value(&v).ok_or_else(|| {
            StoreError::corrupt("cursor", order, format!("cannot sort by {v:?}"))
        })?);
    }
    keyset_of(values, order)
}

/// The keyset of a row from its sort values, the id last.
fn keyset_of(mut values: Vec<KeyValue>, order: &str) -> Result<Keyset, StoreError> {
    let id = match values.pop() {
        Some(KeyValue::Int(id)) => id,
        other => {
            return Err(StoreError::corrupt(
                "cursor",
                order,
                format!("id {other:?}"),
            ));
        }
    };
    Ok(Keyset {
        order: order.to_owned(),
        values,
        id,
    })
}

/// How a sort key's value is read from a row by position: the Rust type of its column.
#[derive(Debug, Clone, Copy)]
pub(super) enum ReadAs {
    Text,
    Int32,
    Int64,
    Date,
    Time,
    /// A column no cursor can hold (refused when the row is read).
    Other,
}

/// How each of `keys` is read (see [`of_result`]).
pub(super) fn kinds<C: ColumnTrait>(keys: &[Key<C>]) -> Vec<ReadAs> {
    keys.iter()
        .map(|k| match k.column.def().get_column_type() {
            ColumnType::Char(_) | ColumnType::String(_) | ColumnType::Text => ReadAs::Text,
            ColumnType::TinyInteger | ColumnType::SmallInteger | ColumnType::Integer => {
                ReadAs::Int32
            }
            ColumnType::BigInteger => ReadAs::Int64,
            ColumnType::Date => ReadAs::Date,
            ColumnType::DateTime | ColumnType::Timestamp | ColumnType::TimestampWithTimeZone => {
                ReadAs::Time
            }
            _ => ReadAs::Other,
        })
        .collect()
}

/// Where a row is in the list, from its sort keys selected from column `at` on, the id last
/// (as `fetch_rows` selects them).
pub(super) fn of_result(
    kinds: &[ReadAs],
    order: &str,
    row: &sea_orm::QueryResult,
    at: usize,
) -> Result<Keyset, StoreError> {
    let mut values = Vec::with_capacity(kinds.len());
    for (i, kind) in kinds.iter().enumerate() {
        let at = at + i;
        let value = match kind {
            ReadAs::Text => row
                .try_get_by_index::<Option<String>>(at)?
                .map(KeyValue::Text),
            ReadAs::Int32 => row
                .try_get_by_index::<Option<i32>>(at)?
                .map(|n| KeyValue::Int(i64::from(n))),
            ReadAs::Int64 => row.try_get_by_index::<Option<i64>>(at)?.map(KeyValue::Int),
            ReadAs::Date => row
                .try_get_by_index::<Option<NaiveDate>>(at)?
                .map(KeyValue::Date),
            ReadAs::Time => row
                .try_get_by_index::<Option<DateTime<Utc>>>(at)?
                .map(KeyValue::Time),
            ReadAs::Other => {
                return Err(StoreError::corrupt(
                    "cursor",
                    order,
                    format!("cannot sort by column {at}"),
                ));
            }
        };
        values.push(value.unwrap_or(KeyValue::Null));
    }
    keyset_of(values, order)
}

fn from_value(v: &Value) -> Option<KeyValue> {
    Some(match v {
        Value::String(Some(s)) => KeyValue::Text(s.clone()),
        Value::BigInt(Some(n)) => KeyValue::Int(*n),
        Value::Int(Some(n)) => KeyValue::Int(i64::from(*n)),
        Value::SmallInt(Some(n)) => KeyValue::Int(i64::from(*n)),
        Value::ChronoDate(Some(d)) => KeyValue::Date(*d),
        Value::ChronoDateTimeUtc(Some(t)) => KeyValue::Time(*t),
        Value::String(None)
        | Value::BigInt(None)
        | Value::Int(None)
        | Value::SmallInt(None)
        | Value::ChronoDate(None)
        | Value::ChronoDateTimeUtc(None) => KeyValue::Null,
        _ => return None,
    })
}

/// Whether `k` can continue a list sorted by `order`: same order, one value of the right kind
/// per key (NULL only where the column may hold it). The message says what is wrong.
pub fn check_keyset<F: SortField>(order: &[Sorted<F>], k: &Keyset) -> Result<(), String> {
    let expected = signature(order);
    if k.order != expected {
        let named = |s: &str| {
            if s.is_empty() {
                "the default order (no orderBy)".to_owned()
            } else {
                format!("orderBy {s}")
            }
        };
        return Err(format!(
            "was made for {} but this request sorts by {}; start again without a cursor",
            named(&k.order),
            named(&expected)
        ));
    }
    if k.values.len() != order.len() {
        return Err("is not a cursor from this API".to_owned());
    }
    for (s, v) in order.iter().zip(&k.values) {
        let def = s.field.column().def();
        let fits = match (v, kind_of(def.get_column_type())) {
            (KeyValue::Null, _) => def.is_null(),
            (KeyValue::Text(_), Some(Kind::Text))
            | (KeyValue::Int(_), Some(Kind::Int))
            | (KeyValue::Date(_), Some(Kind::Date))
            | (KeyValue::Time(_), Some(Kind::Time)) => true,
            _ => false,
        };
        if !fits {
            return Err("is not a cursor from this API".to_owned());
        }
    }
    Ok(())
}
