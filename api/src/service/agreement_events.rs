//! The events a recomputed period announces: each metric at risk or breached, each credit
//! that appeared or whose amount changed (against the ledger as it was before).

use rapport_domain::agreement::compliance::ComplianceStatus;
use rapport_domain::agreement::{Agreement, MetricCompliance, MetricKey, Money, Outcome, Period};
use rapport_domain::events::{CreditChange, DomainEvent, MetricEvent};
use rust_decimal::Decimal;

use super::agreement_compute::sections_for;
use crate::store::PeriodCredit;

fn metric_event(
    agreement: &Agreement,
    period: &Period,
    key: &MetricKey,
    target: Decimal,
    actual: Option<Decimal>,
) -> Option<MetricEvent> {
    let metric = sections_for(agreement, period)
        .metrics
        .iter()
        .flatten()
        .find(|m| &m.key == key)?;
    Some(MetricEvent {
        agreement: agreement.id(),
        metric_key: key.clone(),
        metric_name: metric.name.as_str().to_owned(),
        period: *period,
        comparator: metric.comparator,
        target,
        actual,
    })
}

/// What recomputing `period` announces, given the ledger `previous` held before.
pub(crate) fn measurement_events(
    agreement: &Agreement,
    period: &Period,
    statuses: &[MetricCompliance],
    outcome: &Outcome,
    previous: &[PeriodCredit],
) -> Vec<DomainEvent> {
    let mut events = Vec::new();
    for s in statuses
        .iter()
        .filter(|s| s.status == ComplianceStatus::AtRisk && s.period == *period)
    {
        if let Some(m) = metric_event(agreement, period, &s.metric_key, s.target, s.observed) {
            events.push(DomainEvent::MetricAtRisk(m));
        }
    }
    for b in &outcome.breaches {
        if let Some(m) = metric_event(
            agreement,
            &b.period,
            &b.metric_key,
            b.target,
            Some(b.observed),
        ) {
            events.push(DomainEvent::MetricBreached(m));
        }
    }
    let before = |key: &MetricKey| -> Option<Money> {
        previous
            .iter()
            .find(|(k, _, _)| k == key.as_str())
            .and_then(|(_, amount, currency)| Money::parse("amount", amount, currency).ok())
            .filter(|m| !m.amount().is_zero())
    };
    let change = |key: &MetricKey, amount: Money, previous: Option<Money>| CreditChange {
        agreement: agreement.id(),
        metric_key: key.clone(),
        period: *period,
        amount,
        previous,
    };
    for credit in &outcome.credits {
        match before(&credit.metric_key) {
            None if !credit.amount.amount().is_zero() => events.push(DomainEvent::CreditIncurred(
                change(&credit.metric_key, credit.amount, None),
            )),
            Some(old) if old != credit.amount => events.push(DomainEvent::CreditChanged(change(
                &credit.metric_key,
                credit.amount,
                Some(old),
            ))),
            _ => {}
        }
    }
    // A credit the recomputation removed changed to zero.
    for (key, _, _) in previous {
        let Ok(key) = MetricKey::parse("metricKey", key) else {
            continue;
        };
        if outcome.credits.iter().any(|c| c.metric_key == key) {
            continue;
        }
        if let Some(old) = before(&key) {
            let zero = Money::zero(old.currency());
            events.push(DomainEvent::CreditChanged(change(&key, zero, Some(old))));
        }
    }
    events
}
