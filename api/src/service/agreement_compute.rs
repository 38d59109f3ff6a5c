//! Compliance and the credit ledger of an agreement, computed from its measurements. Every
//! period is judged against the revision that was in force on its last day.

use chrono::{DateTime, Days, NaiveDate, Utc};
use rapport_domain::agreement::compliance::{
    ComplianceReport, MetricCompliance, compliance_report, metric_compliance,
};
use rapport_domain::agreement::consequences::{Outcome, evaluate, history_needed};
use rapport_domain::agreement::{
    Agreement, Measurement, MeasurementPeriod, MetricKey, Period, Sections,
};

use crate::error::ApiError;
use crate::store::{StoreError, Tx};

/// Midnight UTC at the start of `date`.
pub(crate) fn start_of(date: NaiveDate) -> DateTime<Utc> {
    date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// Midnight UTC after the last day of `period` (exclusive end).
pub(crate) fn end_of(period: &Period) -> DateTime<Utc> {
    start_of(
        period
            .end()
            .checked_add_days(Days::new(1))
            .unwrap_or(period.end()),
    )
}

/// The sections that judge `period`: the revision in force on its last day, or (before any
/// revision was in force) the agreement's current sections.
pub(crate) fn sections_for<'a>(agreement: &'a Agreement, period: &Period) -> &'a Sections {
    agreement
        .revision_in_force_on(period.end())
        .map(|r| &r.sections)
        .unwrap_or_else(|| agreement.sections())
}

/// Where measurements come from for a computation (a write transaction, so a batch sees its
/// own measurements).
pub(crate) enum Source<'a> {
    Tx(&'a Tx),
}

impl Source<'_> {
    async fn measurements(
        &self,
        agreement: &Agreement,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Measurement>, StoreError> {
        match self {
            Source::Tx(tx) => tx.measurements_between(agreement.id(), from, to).await,
        }
    }
}

/// The compliance of every metric of kind `kind` over the `n` periods ending with `period`,
/// each judged against the revision in force then.
async fn statuses(
    src: &Source<'_>,
    agreement: &Agreement,
    period: &Period,
    n: u32,
) -> Result<Vec<MetricCompliance>, StoreError> {
    let window = period.window(n);
    let Some(first) = window.first() else {
        return Ok(vec![]);
    };
    let measurements = src
        .measurements(agreement, start_of(first.start()), end_of(period))
        .await?;
    let mut out = Vec::new();
    for p in &window {
        if let Some(metrics) = &sections_for(agreement, p).metrics {
            for metric in metrics.iter().filter(|m| m.period == period.kind()) {
                out.push(metric_compliance(metric, &measurements, *p));
            }
        }
    }
    Ok(out)
}

/// The compliance of the metrics judged over `period` (just that period).
pub(crate) async fn statuses_of(
    src: &Source<'_>,
    agreement: &Agreement,
    period: &Period,
) -> Result<Vec<MetricCompliance>, ApiError> {
    Ok(statuses(src, agreement, period, 1).await?)
}

/// Keeps the stored compliance of the periods containing `today` (the month and the quarter)
/// current after a change of a live agreement, so lists filtered by compliance see it (an
/// amendment may change a target). An agreement that is not live keeps what it had: the
/// filter only looks at agreements in force.
pub(crate) async fn refresh_compliance(
    tx: &Tx,
    agreement: &Agreement,
    today: NaiveDate,
) -> Result<(), ApiError> {
    if !agreement.status().is_live() {
        return Ok(());
    }
    for kind in [MeasurementPeriod::Monthly, MeasurementPeriod::Quarterly] {
        let period = Period::containing(today, kind);
        let statuses = statuses_of(&Source::Tx(tx), agreement, &period).await?;
        tx.replace_compliance(agreement.id(), &period, &statuses)
            .await?;
    }
    Ok(())
}

/// Evaluates `period` (breaches, credits, penalties, escalations, termination rights).
pub(crate) async fn evaluate_period(
    src: &Source<'_>,
    agreement: &Agreement,
    period: &Period,
) -> Result<Outcome, ApiError> {
    let sections = sections_for(agreement, period);
    let (Some(summary), Some(metrics)) = (&sections.summary, &sections.metrics) else {
        return Ok(Outcome::default());
    };
    let rules = sections.consequences.clone().unwrap_or_default();
    let history = statuses(src, agreement, period, history_needed(&rules)).await?;
    Ok(evaluate(summary, metrics, &rules, &history, period))
}

/// Recomputes the ledger of `period` and replaces its stored entries; returns the outcome.
pub(crate) async fn recompute_period(
    tx: &Tx,
    agreement: &Agreement,
    period: &Period,
    now: DateTime<Utc>,
) -> Result<Outcome, ApiError> {
    let outcome = evaluate_period(&Source::Tx(tx), agreement, period).await?;
    let keys: Vec<MetricKey> = sections_for(agreement, period)
        .metrics
        .iter()
        .flatten()
        .filter(|m| m.period == period.kind())
        .map(|m| m.key.clone())
        .collect();
    tx.replace_credits(agreement.id(), period.start(), &keys, &outcome.credits, now)
        .await?;
    Ok(outcome)
}

/// Whether a termination right exists today: any consequence rule granted one in a period of
/// its window ending with the current one.
pub(crate) async fn termination_right(
    src: &Source<'_>,
    agreement: &Agreement,
    today: NaiveDate,
) -> Result<bool, ApiError> {
    for kind in [MeasurementPeriod::Monthly, MeasurementPeriod::Quarterly] {
        let current = Period::containing(today, kind);
        let rules = agreement
            .sections()
            .consequences
            .clone()
            .unwrap_or_default();
        for period in current.window(history_needed(&rules)) {
            if !evaluate_period(src, agreement, &period)
                .await?
                .termination_rights
                .is_empty()
            {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// The compliance report for the period(s) containing `date`, each metric judged against the
/// revision in force then, from the measurements of the quarter containing `date` (loaded by
/// the caller, for a whole page of agreements at once).
pub(crate) fn report_from(
    agreement: &Agreement,
    date: NaiveDate,
    measurements: &[Measurement],
) -> ComplianceReport {
    let month = Period::containing(date, MeasurementPeriod::Monthly);
    let sections = sections_for(agreement, &month);
    let metrics = sections.metrics.clone().unwrap_or_default();
    compliance_report(&metrics, measurements, date)
}
