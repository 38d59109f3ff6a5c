//! Tests of the agreement lifecycle: submission, approval and amendments, reviews and renewal,
//! termination, and the scheduler step.

mod approval;
mod review;
mod schedule;
mod submit;
mod termination;
mod transitions;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use rust_decimal::Decimal;

use super::*;
use crate::error::DomainError;
use crate::events::DomainEvent;
use crate::ids::{AccountId, AgreementId};
use crate::role::Role;
use crate::values::Text;

pub(super) const AUTHOR: &str = "alice";
pub(super) const APPROVER: &str = "bob";

pub(super) fn day(raw: &str) -> NaiveDate {
    raw.parse().expect("a date literal")
}

/// Noon UTC on `raw`.
pub(super) fn at(raw: &str) -> DateTime<Utc> {
    day(raw)
        .and_time(NaiveTime::from_hms_opt(12, 0, 0).expect("noon"))
        .and_utc()
}

pub(super) fn dec(raw: &str) -> Decimal {
    raw.parse().expect("a decimal literal")
}

pub(super) fn text(raw: &str) -> Text {
    Text::reason("text", raw).expect("text")
}

pub(super) fn key(raw: &str) -> MetricKey {
    MetricKey::parse("key", raw).expect("a metric key")
}

pub(super) fn metric(raw_key: &str, comparator: Comparator, target: &str, warning: &str) -> Metric {
    Metric {
        key: key(raw_key),
        name: Text::name("name", raw_key).expect("a name"),
        kind: MetricKind::Custom,
        unit: MetricUnit::Minutes,
        comparator,
        target: dec(target),
        warning_threshold: Some(dec(warning)),
        period: MeasurementPeriod::Monthly,
        calculation: Calculation::Average,
    }
}

pub(super) fn rule(raw_key: &str, kind: ConsequenceKind) -> ConsequenceRule {
    ConsequenceRule {
        metric_key: key(raw_key),
        kind,
        credit_percent: None,
        tiers: Vec::new(),
        penalty: None,
        escalate_to: None,
        breaches_to_terminate: None,
        within_periods: None,
        cap_percent_per_period: None,
    }
}

/// All five sections, coherent: 2026 as one term, EUR 1000 a month, a response-time and an
/// uptime metric, a credit and an escalation, reviews every 6 months, auto-renewal for 12
/// months, 30 days' notice.
pub(super) fn complete() -> Sections {
    Sections {
        summary: Some(Summary {
            title: Text::name("title", "Managed support").expect("title"),
            purpose: text("Support for the client's shop"),
            effective_from: day("2026-01-01"),
            effective_until: Some(day("2026-12-31")),
            fee: Some(Money::parse("fee", "1000.00", "EUR").expect("fee")),
            billing_cadence: BillingCadence::Monthly,
            our_signatory: None,
            their_signatory: None,
        }),
        terms: Some(TermsOfService {
            clauses: vec![Clause {
                heading: Text::name("heading", "Scope").expect("heading"),
                body: text("Everything in the shop"),
            }],
            scope_items: vec![],
            payment_terms_days: Some(30),
        }),
        metrics: Some(vec![
            metric("first_response", Comparator::AtMost, "60", "45"),
            metric("uptime", Comparator::AtLeast, "99.5", "99.8"),
        ]),
        consequences: Some(vec![
            ConsequenceRule {
                credit_percent: Some(dec("10")),
                ..rule("uptime", ConsequenceKind::ServiceCredit)
            },
            ConsequenceRule {
                escalate_to: Some(Role::Admin),
                ..rule("first_response", ConsequenceKind::Escalation)
            },
        ]),
        review: Some(ReviewAndTermination {
            review_every_months: 6,
            auto_renew: true,
            renewal_term_months: Some(12),
            notice_period_days: 30,
            termination_conditions: vec![],
        }),
    }
}

/// `complete()` with the review section changed by `change`.
pub(super) fn with_review(change: impl FnOnce(&mut ReviewAndTermination)) -> Sections {
    let mut sections = complete();
    if let Some(review) = sections.review.as_mut() {
        change(review);
    }
    sections
}

pub(super) fn drafted(sections: Sections) -> Agreement {
    Agreement::draft(
        AgreementId::new(1),
        AccountId::new(7),
        sections,
        AUTHOR,
        at("2025-12-01"),
    )
}

pub(super) fn submitted(sections: Sections) -> Agreement {
    let mut agreement = drafted(sections);
    agreement.submit(AUTHOR, at("2025-12-02")).expect("submits");
    agreement
}

/// Approved on 2025-12-03; in force through 2026.
pub(super) fn active_with(sections: Sections) -> Agreement {
    let mut agreement = submitted(sections);
    agreement
        .approve(APPROVER, at("2025-12-03"), day("2025-12-03"))
        .expect("approves");
    agreement
}

pub(super) fn active() -> Agreement {
    active_with(complete())
}

pub(super) fn expect_transition(result: Result<impl std::fmt::Debug, DomainError>) -> String {
    match result {
        Err(DomainError::InvalidTransition { current, .. }) => current,
        other => panic!("expected an invalid transition, got {other:?}"),
    }
}

pub(super) fn expect_invalid(
    result: Result<impl std::fmt::Debug, DomainError>,
) -> (String, String) {
    match result {
        Err(DomainError::Invalid(v)) => (v.field, v.message),
        other => panic!("expected invalid input, got {other:?}"),
    }
}
