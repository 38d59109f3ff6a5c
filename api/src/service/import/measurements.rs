//! Measurement rows: readings of an agreement's metrics, checked exactly as
//! `recordMeasurements` checks them (the domain's [`NewMeasurement::parse`]) and recorded the
//! same way: a row whose agreement, metric, observation time and source are already recorded
//! with the same value is unchanged, with another value it corrects the reading (an update).
//! After a chunk, every period its rows changed is settled once (ledger, compliance and
//! events), as after a `recordMeasurements` batch.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, SubsecRound as _, Utc};
use rapport_domain::agreement::{Agreement, NewMeasurement, Period};
use rapport_domain::ids::AgreementId;
use rapport_domain::permissions::Action;

use super::driver::{Applied, RowKind};
use super::rows::{Cells, Refusal, refuse};
use super::{ImportOptions, Outcome};
use crate::error::ApiError;
use crate::global_id::{self, Kind};
use crate::service::Ctx;
use crate::service::agreements::{open, settle};
use crate::store::Grown;
use crate::store::{Recorded, Tx};

/// The columns of a measurements file. `id`, `period_start`, `recorded_by` and `recorded_at`
/// are what an export writes; an import accepts and ignores them (the period follows from
/// `observed_at`, and the recorder is who runs the import, at the time it runs).
pub const MEASUREMENT_COLUMNS: &[&str] = &[
    "id",
    "agreement_id",
    "metric_key",
    "period_start",
    "value",
    "observed_at",
    "source",
    "recorded_by",
    "recorded_at",
];

/// A measurement row as read.
pub(super) struct Row {
    agreement: AgreementId,
    item: NewMeasurement,
}

fn required<'c>(cells: &'c Cells<'_>, column: &str) -> Result<&'c str, Refusal> {
    cells
        .value(column)
        .ok_or_else(|| refuse(column, "is required"))
}

fn read(cells: &Cells<'_>) -> Result<Row, Refusal> {
    let raw = required(cells, "agreement_id")?;
    let agreement = global_id::decode(Kind::Agreement, raw)
        .or_else(|| raw.parse::<i64>().ok().filter(|n| *n > 0))
        .map(AgreementId::new)
        .ok_or_else(|| refuse("agreement_id", "is not an agreement id"))?;
    let observed_at = DateTime::parse_from_rfc3339(required(cells, "observed_at")?)
        .map_err(|_| {
            refuse(
                "observed_at",
                "must be a date and time with its offset (RFC 3339), such as 2026-11-30T08:00:00Z",
            )
        })?
        .with_timezone(&Utc);
    Ok(Row {
        agreement,
        item: NewMeasurement {
            metric_key: required(cells, "metric_key")?.to_owned(),
            value: required(cells, "value")?.to_owned(),
            observed_at,
            source: required(cells, "source")?.to_owned(),
        },
    })
}

/// The file's column for a field `recordMeasurements` names.
fn column(field: &str) -> &str {
    match field {
        "metricKey" => "metric_key",
        "observedAt" => "observed_at",
        "agreementId" | "agreement" => "agreement_id",
        other => other,
    }
}

/// The chunk's agreements (or why a row may not record against one) and what its rows changed.
pub(super) struct Found {
    agreements: HashMap<AgreementId, Result<Agreement, Refusal>>,
    touched: HashMap<AgreementId, (BTreeSet<Period>, usize)>,
}

/// Measurement rows.
pub(super) struct Measurements;

impl RowKind for Measurements {
    type Row = Row;
    type Found = Found;
    type Write = std::convert::Infallible;

    const COLUMNS: &'static [&'static str] = MEASUREMENT_COLUMNS;
    const GROWS: Grown = Grown::Measurements;

    fn read(cells: &Cells<'_>, _options: &ImportOptions) -> Result<Row, Refusal> {
        read(cells)
    }

    fn keys(row: &Row) -> Vec<(&'static str, String)> {
        // The identity of a reading within the file (as the store keeps it unique).
        vec![(
            "observed_at",
            format!(
                "{}\u{0}{}\u{0}{}\u{0}{}",
                row.agreement.get(),
                row.item.metric_key,
                row.item.observed_at.trunc_subsecs(6).to_rfc3339(),
                row.item.source
            ),
        )]
    }

    async fn look_up(tx: &Tx, ctx: &Ctx<'_>, rows: &[&Row]) -> Result<Found, ApiError> {
        let mut agreements = HashMap::new();
        for row in rows {
            if agreements.contains_key(&row.agreement) {
                continue;
            }
            let opened = match open(tx, ctx, row.agreement, Action::RecordMeasurements, None).await
            {
                Ok((agreement, _)) if agreement.status().is_live() => Ok(agreement),
                Ok((agreement, _)) => Err(refuse(
                    "agreement_id",
                    format!(
                        "the agreement is {}: measurements are recorded against an agreement in force",
                        agreement.status().as_str()
                    ),
                )),
                Err(err) => Err(refusal(err)?),
            };
            agreements.insert(row.agreement, opened);
        }
        Ok(Found {
            agreements,
            touched: HashMap::new(),
        })
    }

    async fn apply(
        tx: &Tx,
        ctx: &Ctx<'_>,
        _options: &ImportOptions,
        found: &mut Found,
        row: Row,
    ) -> Result<Applied, ApiError> {
        let agreement = match found.agreements.get(&row.agreement) {
            Some(Ok(a)) => a,
            Some(Err(refusal)) => return Ok(Err(refusal.clone())),
            None => return Err(ApiError::NotFound("agreement")),
        };
        let metrics = agreement.sections().metrics.clone().unwrap_or_default();
        let measurement = match row.item.parse(&metrics, &ctx.caller.subject, ctx.now) {
            Ok(m) => m,
            Err(problems) => {
                let reason = problems
                    .iter()
                    .map(|p| p.message.clone())
                    .collect::<Vec<_>>()
                    .join("; ");
                let field = problems.first().map_or("row", |p| column(&p.field));
                return Ok(Err(refuse(field, reason)));
            }
        };
        let recorded = tx
            .record_measurement(row.agreement, &measurement, ctx.now)
            .await?;
        let outcome = match recorded {
            Recorded::Inserted => Outcome::Create,
            Recorded::Corrected => Outcome::Update,
            Recorded::Unchanged => Outcome::Unchanged,
        };
        let entry = found.touched.entry(row.agreement).or_default();
        entry.1 += 1;
        if recorded != Recorded::Unchanged
            && let Some(metric) = metrics.iter().find(|m| m.key == measurement.metric_key)
        {
            entry.0.insert(Period::containing_instant(
                measurement.observed_at,
                metric.period,
            ));
        }
        Ok(Ok((outcome, None)))
    }

    async fn finish(tx: &Tx, ctx: &Ctx<'_>, found: Found) -> Result<(), ApiError> {
        for (id, (periods, recorded)) in found.touched {
            if let Some(Ok(agreement)) = found.agreements.get(&id) {
                settle(
                    tx,
                    ctx,
                    agreement,
                    &periods,
                    "importMeasurements",
                    (recorded, 0),
                )
                .await?;
            }
        }
        Ok(())
    }

    fn refusal(err: ApiError) -> Result<Refusal, ApiError> {
        refusal(err)
    }
}

/// A refusal for what a use-case step said no with; outages stop the import instead.
fn refusal(err: ApiError) -> Result<Refusal, ApiError> {
    Ok(match err {
        ApiError::BadUserInput { field, message } => (column(&field).to_owned(), message),
        ApiError::NotFound(_) => refuse("agreement_id", "no such agreement"),
        ApiError::Forbidden => refuse(
            "agreement_id",
            "you may not record measurements for this agreement",
        ),
        ApiError::Conflict(m) | ApiError::InvalidTransition { message: m, .. } => {
            refuse("agreement_id", m)
        }
        other @ (ApiError::Unauthenticated | ApiError::Internal(_)) => return Err(other),
    })
}
