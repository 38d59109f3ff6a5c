//! Parsing input sections into domain sections, naming the field path of anything wrong.

use chrono::NaiveDate;
use rapport_domain::ValidationError;
use rapport_domain::agreement::{
    self as ag, ConsequenceRule, Metric, MetricKey, Money, ReviewAndTermination, Sections, Summary,
    TermsOfService,
};
use rapport_domain::values::Text;
use rust_decimal::Decimal;

use crate::graphql::scalars::{DateScalar, DecimalScalar};

use super::*;

type V<T> = Result<T, ValidationError>;

fn decimal(field: &str, raw: &DecimalScalar) -> V<Decimal> {
    let s = raw.0.trim();
    let ok = s
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        && s.chars().any(|c| c.is_ascii_digit())
        && s.len() <= 40;
    ok.then(|| s.parse::<Decimal>().ok())
        .flatten()
        .ok_or_else(|| {
            ValidationError::new(field, format!("`{s}` is not an exact decimal like 99.9"))
        })
}

fn percent(field: &str, raw: &DecimalScalar) -> V<Decimal> {
    let d = decimal(field, raw)?;
    if d.is_sign_negative() || d > Decimal::ONE_HUNDRED {
        return Err(ValidationError::new(
            field,
            "must be a percentage from 0 to 100",
        ));
    }
    Ok(d)
}

fn date(field: &str, raw: &DateScalar) -> V<NaiveDate> {
    NaiveDate::parse_from_str(raw.0.trim(), "%Y-%m-%d").map_err(|_| {
        ValidationError::new(field, format!("`{}` is not a date like 2026-11-22", raw.0))
    })
}

fn count(field: &str, raw: i32, min: i32, max: i32) -> V<u32> {
    if (min..=max).contains(&raw) {
        Ok(raw.unsigned_abs())
    } else {
        Err(ValidationError::new(
            field,
            format!("must be from {min} to {max}"),
        ))
    }
}

fn money(field: &str, m: &MoneyInput) -> V<Money> {
    Money::parse(field, &m.amount.0, &m.currency)
}

fn long_text(field: &str, raw: &str) -> V<Text> {
    Text::parse(field, raw, 20_000, true)
}

fn opt_name(field: &str, raw: Option<&String>) -> V<Option<Text>> {
    raw.map(|s| Text::name(field, s)).transpose()
}

impl AgreementSectionsInput {
    /// Parses every present section.
    pub fn into_sections(self) -> V<Sections> {
        let summary = self
            .summary
            .map(|s| {
                Ok::<_, ValidationError>(Summary {
                    title: Text::name("summary.title", &s.title)?,
                    purpose: long_text("summary.purpose", &s.purpose)?,
                    effective_from: date("summary.effectiveFrom", &s.effective_from)?,
                    effective_until: s
                        .effective_until
                        .as_ref()
                        .map(|d| date("summary.effectiveUntil", d))
                        .transpose()?,
                    fee: s
                        .fee
                        .as_ref()
                        .map(|m| money("summary.fee", m))
                        .transpose()?,
                    billing_cadence: s.billing_cadence.into(),
                    our_signatory: opt_name("summary.ourSignatory", s.our_signatory.as_ref())?,
                    their_signatory: opt_name(
                        "summary.theirSignatory",
                        s.their_signatory.as_ref(),
                    )?,
                })
            })
            .transpose()?;
        let terms = self
            .terms
            .map(|t| {
                Ok::<_, ValidationError>(TermsOfService {
                    clauses: t
                        .clauses
                        .iter()
                        .enumerate()
                        .map(|(i, c)| {
                            Ok(ag::Clause {
                                heading: Text::name(
                                    &format!("terms.clauses[{i}].heading"),
                                    &c.heading,
                                )?,
                                body: long_text(&format!("terms.clauses[{i}].body"), &c.body)?,
                            })
                        })
                        .collect::<V<Vec<_>>>()?,
                    scope_items: t
                        .scope_items
                        .iter()
                        .enumerate()
                        .map(|(i, s)| long_text(&format!("terms.scopeItems[{i}]"), s))
                        .collect::<V<Vec<_>>>()?,
                    payment_terms_days: t
                        .payment_terms_days
                        .map(|d| count("terms.paymentTermsDays", d, 0, 365))
                        .transpose()?,
                })
            })
            .transpose()?;
        let metrics = self
            .performance
            .map(|p| {
                p.metrics
                    .iter()
                    .enumerate()
                    .map(|(i, m)| {
                        let at = |f: &str| format!("performance.metrics[{i}].{f}");
                        Ok(Metric {
                            key: MetricKey::parse(&at("key"), &m.key)?,
                            name: Text::name(&at("name"), &m.name)?,
                            kind: m.kind.into(),
                            unit: m.unit.into(),
                            comparator: m.comparator.into(),
                            target: decimal(&at("target"), &m.target)?,
                            warning_threshold: m
                                .warning_threshold
                                .as_ref()
                                .map(|w| decimal(&at("warningThreshold"), w))
                                .transpose()?,
                            period: m.period.into(),
                            calculation: m.calculation.into(),
                        })
                    })
                    .collect::<V<Vec<_>>>()
            })
            .transpose()?;
        let consequences = self
            .consequences
            .map(|rs| {
                rs.iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let at = |f: &str| format!("consequences[{i}].{f}");
                        Ok(ConsequenceRule {
                            metric_key: MetricKey::parse(&at("metricKey"), &r.metric_key)?,
                            kind: r.kind.into(),
                            credit_percent: r
                                .credit_percent
                                .as_ref()
                                .map(|p| percent(&at("creditPercent"), p))
                                .transpose()?,
                            tiers: r
                                .tiers
                                .iter()
                                .enumerate()
                                .map(|(j, t)| {
                                    Ok(ag::CreditTier {
                                        missed_by_percent_at_least: percent(
                                            &at(&format!("tiers[{j}].missedByPercentAtLeast")),
                                            &t.missed_by_percent_at_least,
                                        )?,
                                        credit_percent: percent(
                                            &at(&format!("tiers[{j}].creditPercent")),
                                            &t.credit_percent,
                                        )?,
                                    })
                                })
                                .collect::<V<Vec<_>>>()?,
                            penalty: r
                                .penalty
                                .as_ref()
                                .map(|m| money(&at("penalty"), m))
                                .transpose()?,
                            escalate_to: r.escalate_to.map(Into::into),
                            breaches_to_terminate: r
                                .breaches_to_terminate
                                .map(|n| count(&at("breachesToTerminate"), n, 1, 120))
                                .transpose()?,
                            within_periods: r
                                .within_periods
                                .map(|n| count(&at("withinPeriods"), n, 1, 120))
                                .transpose()?,
                            cap_percent_per_period: r
                                .cap_percent_per_period
                                .as_ref()
                                .map(|p| percent(&at("capPercentPerPeriod"), p))
                                .transpose()?,
                        })
                    })
                    .collect::<V<Vec<_>>>()
            })
            .transpose()?;
        let review = self
            .review_and_termination
            .map(|r| {
                Ok::<_, ValidationError>(ReviewAndTermination {
                    review_every_months: count(
                        "reviewAndTermination.reviewEveryMonths",
                        r.review_every_months,
                        1,
                        120,
                    )?,
                    auto_renew: r.auto_renew,
                    renewal_term_months: r
                        .renewal_term_months
                        .map(|n| count("reviewAndTermination.renewalTermMonths", n, 1, 120))
                        .transpose()?,
                    notice_period_days: count(
                        "reviewAndTermination.noticePeriodDays",
                        r.notice_period_days,
                        0,
                        3650,
                    )?,
                    termination_conditions: r
                        .termination_conditions
                        .iter()
                        .enumerate()
                        .map(|(i, c)| {
                            long_text(
                                &format!("reviewAndTermination.terminationConditions[{i}]"),
                                c,
                            )
                        })
                        .collect::<V<Vec<_>>>()?,
                })
            })
            .transpose()?;
        Ok(Sections {
            summary,
            terms,
            metrics,
            consequences,
            review,
        })
    }
}
