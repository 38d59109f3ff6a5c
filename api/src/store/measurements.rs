//! Measurements (idempotent per agreement and measurement key; a re-send with another value is
//! a correction) and the service-credit ledger (replaced per period whenever it is recomputed).

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rapport_domain::agreement::{CreditEntry, Measurement, MetricKey};
use rapport_domain::ids::AgreementId;
use rapport_domain::values::Text;
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use super::entity::{measurement, service_credit};
use super::filters::CreditQuery;
use super::page::fetch_page;
use super::{CreditSort, Page, PageRequest, Store, StoreError, Tx, scope};
use crate::auth::ReadScope;

/// What recording one measurement did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// A new measurement.
    Inserted,
    /// The same measurement was already recorded: nothing changed.
    Unchanged,
    /// The same observation with another value: the value was corrected.
    Corrected,
}

/// A credit of the ledger as read back.
#[derive(Debug, Clone)]
pub struct StoredCredit {
    /// Row id (cursor).
    pub id: i64,
    /// The agreement whose ledger it is in.
    pub agreement: AgreementId,
    /// The metric breached.
    pub metric_key: String,
    /// First day of the period.
    pub period_start: NaiveDate,
    /// Amount as an exact decimal string.
    pub amount: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Why.
    pub reason: String,
}

fn idempotency_key(m: &Measurement) -> String {
    format!(
        "{}|{}|{}",
        m.metric_key.as_str(),
        m.observed_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        m.source.as_str()
    )
}

fn to_domain(row: measurement::Model) -> Result<Measurement, StoreError> {
    let bad = |e: String| StoreError::corrupt("measurements", row.id, e);
    Ok(Measurement {
        metric_key: MetricKey::parse("metricKey", &row.metric_key)
            .map_err(|e| bad(e.to_string()))?,
        period_start: row.period_start,
        value: row
            .value
            .parse::<Decimal>()
            .map_err(|e| bad(e.to_string()))?,
        observed_at: row.observed_at,
        source: Text::name("source", &row.source).map_err(|e| bad(e.to_string()))?,
        recorded_by: row.recorded_by,
    })
}

impl Store {
    /// Measurements of several agreements observed in `[from, to)`, oldest first, each with
    /// its agreement: one statement for a whole page of agreements.
    pub async fn measurements_of_many(
        &self,
        scope: ReadScope,
        agreements: &[AgreementId],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(AgreementId, Measurement)>, StoreError> {
        if agreements.is_empty() {
            return Ok(Vec::new());
        }
        measurement::Entity::find()
            .filter(measurement::Column::AgreementId.is_in(agreements.iter().map(|a| a.get())))
            .filter(scope::by_agreement(scope, measurement::Column::AgreementId))
            .filter(measurement::Column::ObservedAt.gte(from))
            .filter(measurement::Column::ObservedAt.lt(to))
            .order_by_asc(measurement::Column::ObservedAt)
            .order_by_asc(measurement::Column::Id)
            .all(self.reader())
            .await?
            .into_iter()
            .map(|row| Ok((AgreementId::new(row.agreement_id), to_domain(row)?)))
            .collect()
    }

    /// One page of the credit ledger (one agreement's, or across agreements).
    pub async fn credits_page(
        &self,
        scope: ReadScope,
        query: &CreditQuery,
        page: &PageRequest<CreditSort>,
    ) -> Result<Page<StoredCredit>, StoreError> {
        let select = service_credit::Entity::find()
            .filter(query.condition())
            .filter(scope::by_agreement(
                scope,
                service_credit::Column::AgreementId,
            ));
        fetch_page(self.reader(), select, service_credit::Column::Id, page)
            .await?
            .try_map(|r| {
                Ok::<_, StoreError>(StoredCredit {
                    id: r.id,
                    agreement: AgreementId::new(r.agreement_id),
                    metric_key: r.metric_key,
                    period_start: r.period_start,
                    amount: r.amount,
                    currency: r.currency,
                    reason: r.reason,
                })
            })
    }

    /// How many ledger entries match.
    pub async fn credits_count(
        &self,
        scope: ReadScope,
        query: &CreditQuery,
    ) -> Result<u64, StoreError> {
        Ok(service_credit::Entity::find()
            .filter(query.condition())
            .filter(scope::by_agreement(
                scope,
                service_credit::Column::AgreementId,
            ))
            .count(self.reader())
            .await?)
    }

    /// Every ledger entry of several agreements for any of several period starts, each with
    /// its agreement: one statement for a whole page of agreements.
    pub async fn credits_for_periods(
        &self,
        scope: ReadScope,
        agreements: &[AgreementId],
        period_starts: &[NaiveDate],
    ) -> Result<Vec<(AgreementId, StoredCredit)>, StoreError> {
        if agreements.is_empty() || period_starts.is_empty() {
            return Ok(Vec::new());
        }
        Ok(service_credit::Entity::find()
            .filter(service_credit::Column::AgreementId.is_in(agreements.iter().map(|a| a.get())))
            .filter(scope::by_agreement(
                scope,
                service_credit::Column::AgreementId,
            ))
            .filter(service_credit::Column::PeriodStart.is_in(period_starts.iter().copied()))
            .order_by_asc(service_credit::Column::Id)
            .all(self.reader())
            .await?
            .into_iter()
            .map(|r| {
                (
                    AgreementId::new(r.agreement_id),
                    StoredCredit {
                        id: r.id,
                        agreement: AgreementId::new(r.agreement_id),
                        metric_key: r.metric_key,
                        period_start: r.period_start,
                        amount: r.amount,
                        currency: r.currency,
                        reason: r.reason,
                    },
                )
            })
            .collect())
    }
}

impl Tx {
    /// Records one measurement idempotently.
    pub async fn record_measurement(
        &self,
        agreement: AgreementId,
        m: &Measurement,
        now: DateTime<Utc>,
    ) -> Result<Recorded, StoreError> {
        let key = idempotency_key(m);
        let existing = measurement::Entity::find()
            .filter(measurement::Column::AgreementId.eq(agreement.get()))
            .filter(measurement::Column::IdempotencyKey.eq(key.clone()))
            .one(&self.inner)
            .await?;
        let value = m.value.normalize().to_string();
        match existing {
            Some(row) if row.value.parse::<Decimal>().ok() == Some(m.value) => {
                Ok(Recorded::Unchanged)
            }
            Some(row) => {
                measurement::Entity::update_many()
                    .col_expr(measurement::Column::Value, Expr::value(value))
                    .col_expr(
                        measurement::Column::RecordedBy,
                        Expr::value(m.recorded_by.clone()),
                    )
                    .col_expr(measurement::Column::RecordedAt, Expr::value(now))
                    .filter(measurement::Column::Id.eq(row.id))
                    .exec(&self.inner)
                    .await?;
                Ok(Recorded::Corrected)
            }
            None => {
                measurement::ActiveModel {
                    agreement_id: Set(agreement.get()),
                    metric_key: Set(m.metric_key.as_str().to_owned()),
                    period_start: Set(m.period_start),
                    value: Set(value),
                    observed_at: Set(m.observed_at),
                    source: Set(m.source.as_str().to_owned()),
                    recorded_by: Set(m.recorded_by.clone()),
                    idempotency_key: Set(key),
                    recorded_at: Set(now),
                    ..Default::default()
                }
                .insert(&self.inner)
                .await?;
                Ok(Recorded::Inserted)
            }
        }
    }

    /// Replaces the ledger entries of the given metrics for one period start with `entries`.
    pub async fn replace_credits(
        &self,
        agreement: AgreementId,
        period_start: NaiveDate,
        metrics: &[MetricKey],
        entries: &[CreditEntry],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        service_credit::Entity::delete_many()
            .filter(service_credit::Column::AgreementId.eq(agreement.get()))
            .filter(service_credit::Column::PeriodStart.eq(period_start))
            .filter(
                service_credit::Column::MetricKey
                    .is_in(metrics.iter().map(|k| k.as_str().to_owned())),
            )
            .exec(&self.inner)
            .await?;
        for e in entries {
            service_credit::ActiveModel {
                agreement_id: Set(agreement.get()),
                metric_key: Set(e.metric_key.as_str().to_owned()),
                period_start: Set(e.period_start),
                amount: Set(e.amount.amount_string()),
                amount_key: Set(amount_key(&e.amount.amount_string())),
                currency: Set(e.amount.currency().as_str().to_owned()),
                reason: Set(e.reason.clone()),
                computed_at: Set(now),
                ..Default::default()
            }
            .insert(&self.inner)
            .await?;
        }
        Ok(())
    }

    /// Measurements of an agreement observed in `[from, to)` (inside the transaction).
    pub async fn measurements_between(
        &self,
        agreement: AgreementId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Measurement>, StoreError> {
        measurement::Entity::find()
            .filter(measurement::Column::AgreementId.eq(agreement.get()))
            .filter(measurement::Column::ObservedAt.gte(from))
            .filter(measurement::Column::ObservedAt.lt(to))
            .order_by_asc(measurement::Column::ObservedAt)
            .order_by_asc(measurement::Column::Id)
            .all(&self.inner)
            .await?
            .into_iter()
            .map(to_domain)
            .collect()
    }
}

/// A credit's amount in ten-thousandths, truncated (what `amount` sorts by; the migration
/// `sort_indexes` fills old rows the same way).
fn amount_key(amount: &str) -> Option<i64> {
    use rust_decimal::prelude::ToPrimitive as _;
    let d = amount.parse::<Decimal>().ok()?;
    d.checked_mul(Decimal::from(10_000))?.trunc().to_i64()
}
