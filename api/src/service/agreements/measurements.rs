//! Recording a batch of measurements against an agreement.

use std::collections::BTreeSet;

use rapport_domain::agreement::measurement::validate_batch;
use rapport_domain::agreement::{Agreement, NewMeasurement, Period};
use rapport_domain::ids::AgreementId;
use rapport_domain::permissions::Action;
use rapport_domain::{DomainError, ValidationError};

use rapport_domain::events::DomainEvent;
use serde_json::json;

use super::open;
use crate::error::ApiError;
use crate::global_id::Kind;
use crate::service::Ctx;
use crate::service::agreement_compute::{Source, recompute_period};
use crate::service::agreement_events::measurement_events;
use crate::service::record::{Change, record};
use crate::store::{Recorded, Tx};

/// What a measurement batch did, item by item.
#[derive(Debug, Clone)]
pub struct BatchResult {
    /// The agreement after the batch.
    pub agreement: Agreement,
    /// `(index, outcome)` for every recorded (or repeated) item.
    pub recorded: Vec<(usize, Recorded)>,
    /// `(index, error)` for every refused item.
    pub errors: Vec<(usize, ValidationError)>,
}

/// Records a batch of measurements: bad items are refused one by one without dropping the good
/// ones; the same measurement sent twice changes nothing. The ledger of every touched period
/// is recomputed, and at-risk, breached and credit events are written with the batch.
pub async fn record_measurements(
    ctx: &Ctx<'_>,
    id: AgreementId,
    expected: Option<i32>,
    items: &[NewMeasurement],
) -> Result<BatchResult, ApiError> {
    if items.is_empty() || items.len() > 500 {
        return Err(ApiError::bad_input(
            "measurements",
            "send 1 to 500 measurements per batch",
        ));
    }
    let tx = ctx.store.begin().await?;
    let (agreement, _) = open(&tx, ctx, id, Action::RecordMeasurements, expected).await?;
    if !agreement.status().is_live() {
        return Err(DomainError::transition(
            agreement.status().as_str(),
            "record measurements",
            "measurements are recorded against an agreement in force",
        )
        .into());
    }
    let metrics = agreement.sections().metrics.clone().unwrap_or_default();
    let batch = validate_batch(&metrics, items, &ctx.caller.subject, ctx.now);
    let mut recorded = Vec::new();
    let mut touched: BTreeSet<Period> = BTreeSet::new();
    for (index, m) in &batch.valid {
        let outcome = tx.record_measurement(id, m, ctx.now).await?;
        if outcome != Recorded::Unchanged
            && let Some(metric) = metrics.iter().find(|x| x.key == m.metric_key)
        {
            touched.insert(Period::containing_instant(m.observed_at, metric.period));
        }
        recorded.push((*index, outcome));
    }
    recorded.extend(batch.repeats.iter().map(|(i, _)| (*i, Recorded::Unchanged)));
    recorded.sort_by_key(|(i, _)| *i);
    let counts = (recorded.len(), batch.errors.len());
    settle(&tx, ctx, &agreement, &touched, "recordMeasurements", counts).await?;
    tx.commit().await?;
    Ok(BatchResult {
        agreement,
        recorded,
        errors: batch.errors,
    })
}

/// Settles the periods of `agreement` that recorded measurements changed: recomputes their
/// ledger and compliance, and writes the at-risk, breached and credit events with an audit row
/// saying how many were recorded and refused (`counts`). Nothing to settle writes nothing.
pub(crate) async fn settle(
    tx: &Tx,
    ctx: &Ctx<'_>,
    agreement: &Agreement,
    touched: &BTreeSet<Period>,
    action: &'static str,
    counts: (usize, usize),
) -> Result<(), ApiError> {
    let id = agreement.id();
    let mut events = Vec::new();
    if !touched.is_empty() {
        events.push(DomainEvent::MeasurementRecorded(id));
    }
    for period in touched {
        let previous = tx.credits_of_period(id, period.start()).await?;
        let outcome = recompute_period(tx, agreement, period, ctx.now).await?;
        let statuses =
            crate::service::agreement_compute::statuses_of(&Source::Tx(tx), agreement, period)
                .await?;
        tx.replace_compliance(id, period, &statuses).await?;
        events.extend(measurement_events(
            agreement, period, &statuses, &outcome, &previous,
        ));
    }
    if !events.is_empty() {
        record(
            tx,
            ctx,
            Change {
                action,
                kind: Kind::Agreement,
                id: id.get(),
                before: None,
                after: Some(json!({
                    "recorded": counts.0,
                    "refused": counts.1,
                    "periods": touched.iter().map(ToString::to_string).collect::<Vec<_>>(),
                })),
                events,
            },
        )
        .await?;
    }
    Ok(())
}
