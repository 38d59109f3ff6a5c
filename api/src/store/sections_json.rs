//! The five sections of an agreement revision as JSON, for the immutable `sections` snapshot
//! of each revision. Decimals and money are kept as exact strings.

use chrono::NaiveDate;
use rapport_domain::ValidationError;
use rapport_domain::agreement::{
    BillingCadence, Calculation, Clause, Comparator, ConsequenceKind, ConsequenceRule, CreditTier,
    MeasurementPeriod, Metric, MetricKey, MetricKind, MetricUnit, Money, ReviewAndTermination,
    Sections, Summary, TermsOfService,
};
use rapport_domain::role::Role;
use rapport_domain::values::Text;
use rust_decimal::Decimal;
use serde_json::{Value, json};

fn money(m: &Money) -> Value {
    json!({"amount": m.amount_string(), "currency": m.currency().as_str()})
}

fn texts(items: &[Text]) -> Value {
    Value::from(
        items
            .iter()
            .map(|t| t.as_str().to_owned())
            .collect::<Vec<_>>(),
    )
}

/// Sections → JSON.
pub(crate) fn to_json(s: &Sections) -> Value {
    json!({
        "summary": s.summary.as_ref().map(|x| json!({
            "title": x.title.as_str(),
            "purpose": x.purpose.as_str(),
            "effectiveFrom": x.effective_from.to_string(),
            "effectiveUntil": x.effective_until.map(|d| d.to_string()),
            "fee": x.fee.as_ref().map(money),
            "billingCadence": x.billing_cadence.as_str(),
            "ourSignatory": x.our_signatory.as_ref().map(Text::as_str),
            "theirSignatory": x.their_signatory.as_ref().map(Text::as_str),
        })),
        "terms": s.terms.as_ref().map(|t| json!({
            "clauses": t.clauses.iter().map(|c| json!({"heading": c.heading.as_str(), "body": c.body.as_str()})).collect::<Vec<_>>(),
            "scopeItems": texts(&t.scope_items),
            "paymentTermsDays": t.payment_terms_days,
        })),
        "metrics": s.metrics.as_ref().map(|ms| ms.iter().map(|m| json!({
            "key": m.key.as_str(),
            "name": m.name.as_str(),
            "kind": m.kind.as_str(),
            "unit": m.unit.as_str(),
            "comparator": m.comparator.as_str(),
            "target": m.target.to_string(),
            "warningThreshold": m.warning_threshold.map(|d| d.to_string()),
            "period": m.period.as_str(),
            "calculation": m.calculation.as_str(),
        })).collect::<Vec<_>>()),
        "consequences": s.consequences.as_ref().map(|rs| rs.iter().map(|r| json!({
            "metricKey": r.metric_key.as_str(),
            "kind": r.kind.as_str(),
            "creditPercent": r.credit_percent.map(|d| d.to_string()),
            "tiers": r.tiers.iter().map(|t| json!({
                "missedByPercentAtLeast": t.missed_by_percent_at_least.to_string(),
                "creditPercent": t.credit_percent.to_string(),
            })).collect::<Vec<_>>(),
            "penalty": r.penalty.as_ref().map(money),
            "escalateTo": r.escalate_to.map(Role::as_str),
            "breachesToTerminate": r.breaches_to_terminate,
            "withinPeriods": r.within_periods,
            "capPercentPerPeriod": r.cap_percent_per_period.map(|d| d.to_string()),
        })).collect::<Vec<_>>()),
        "review": s.review.as_ref().map(|r| json!({
            "reviewEveryMonths": r.review_every_months,
            "autoRenew": r.auto_renew,
            "renewalTermMonths": r.renewal_term_months,
            "noticePeriodDays": r.notice_period_days,
            "terminationConditions": texts(&r.termination_conditions),
        })),
    })
}

type R<T> = Result<T, String>;

fn err(e: ValidationError) -> String {
    e.to_string()
}

fn str_at<'a>(v: &'a Value, k: &str) -> R<&'a str> {
    v.get(k)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing {k}"))
}

fn opt_str<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

fn text(v: &Value, k: &str) -> R<Text> {
    Text::parse(k, str_at(v, k)?, 100_000, true).map_err(err)
}

fn opt_text(v: &Value, k: &str) -> R<Option<Text>> {
    opt_str(v, k)
        .map(|s| Text::parse(k, s, 100_000, true).map_err(err))
        .transpose()
}

fn texts_at(v: &Value, k: &str) -> R<Vec<Text>> {
    v.get(k)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|t| Text::parse(k, t.as_str().unwrap_or_default(), 100_000, true).map_err(err))
                .collect()
        })
        .unwrap_or_else(|| Ok(vec![]))
}

fn decimal(s: &str) -> R<Decimal> {
    s.parse().map_err(|_| format!("bad decimal {s}"))
}

fn opt_decimal(v: &Value, k: &str) -> R<Option<Decimal>> {
    opt_str(v, k).map(decimal).transpose()
}

fn date(s: &str) -> R<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("bad date {s}"))
}

fn opt_u32(v: &Value, k: &str) -> Option<u32> {
    v.get(k)
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
}

fn opt_money(v: &Value, k: &str) -> R<Option<Money>> {
    match v.get(k).filter(|m| !m.is_null()) {
        None => Ok(None),
        Some(m) => Money::parse(k, str_at(m, "amount")?, str_at(m, "currency")?)
            .map(Some)
            .map_err(err),
    }
}

fn present(v: &Value, k: &str) -> Option<Value> {
    v.get(k).filter(|x| !x.is_null()).cloned()
}

/// JSON → sections (stored data is re-validated on the way back in).
pub(crate) fn from_json(v: &Value) -> R<Sections> {
    let summary = present(v, "summary")
        .map(|s| {
            Ok::<_, String>(Summary {
                title: text(&s, "title")?,
                purpose: text(&s, "purpose")?,
                effective_from: date(str_at(&s, "effectiveFrom")?)?,
                effective_until: opt_str(&s, "effectiveUntil").map(date).transpose()?,
                fee: opt_money(&s, "fee")?,
                billing_cadence: BillingCadence::parse(str_at(&s, "billingCadence")?)
                    .map_err(err)?,
                our_signatory: opt_text(&s, "ourSignatory")?,
                their_signatory: opt_text(&s, "theirSignatory")?,
            })
        })
        .transpose()?;
    let terms = present(v, "terms")
        .map(|t| {
            let clauses = t
                .get("clauses")
                .and_then(Value::as_array)
                .map(|cs| {
                    cs.iter()
                        .map(|c| {
                            Ok(Clause {
                                heading: text(c, "heading")?,
                                body: text(c, "body")?,
                            })
                        })
                        .collect::<R<Vec<_>>>()
                })
                .unwrap_or_else(|| Ok(vec![]))?;
            Ok::<_, String>(TermsOfService {
                clauses,
                scope_items: texts_at(&t, "scopeItems")?,
                payment_terms_days: opt_u32(&t, "paymentTermsDays"),
            })
        })
        .transpose()?;
    let metrics = present(v, "metrics")
        .map(|ms| {
            ms.as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|m| {
                    Ok(Metric {
                        key: MetricKey::parse("key", str_at(m, "key")?).map_err(err)?,
                        name: text(m, "name")?,
                        kind: MetricKind::parse(str_at(m, "kind")?).map_err(err)?,
                        unit: MetricUnit::parse(str_at(m, "unit")?).map_err(err)?,
                        comparator: Comparator::parse(str_at(m, "comparator")?).map_err(err)?,
                        target: decimal(str_at(m, "target")?)?,
                        warning_threshold: opt_decimal(m, "warningThreshold")?,
                        period: MeasurementPeriod::parse(str_at(m, "period")?).map_err(err)?,
                        calculation: Calculation::parse(str_at(m, "calculation")?).map_err(err)?,
                    })
                })
                .collect::<R<Vec<_>>>()
        })
        .transpose()?;
    let consequences = present(v, "consequences")
        .map(|rs| {
            rs.as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|r| {
                    let tiers = r
                        .get("tiers")
                        .and_then(Value::as_array)
                        .map(|ts| {
                            ts.iter()
                                .map(|t| {
                                    Ok(CreditTier {
                                        missed_by_percent_at_least: decimal(str_at(
                                            t,
                                            "missedByPercentAtLeast",
                                        )?)?,
                                        credit_percent: decimal(str_at(t, "creditPercent")?)?,
                                    })
                                })
                                .collect::<R<Vec<_>>>()
                        })
                        .unwrap_or_else(|| Ok(vec![]))?;
                    Ok(ConsequenceRule {
                        metric_key: MetricKey::parse("metricKey", str_at(r, "metricKey")?)
                            .map_err(err)?,
                        kind: ConsequenceKind::parse(str_at(r, "kind")?).map_err(err)?,
                        credit_percent: opt_decimal(r, "creditPercent")?,
                        tiers,
                        penalty: opt_money(r, "penalty")?,
                        escalate_to: opt_str(r, "escalateTo")
                            .map(Role::parse)
                            .transpose()
                            .map_err(err)?,
                        breaches_to_terminate: opt_u32(r, "breachesToTerminate"),
                        within_periods: opt_u32(r, "withinPeriods"),
                        cap_percent_per_period: opt_decimal(r, "capPercentPerPeriod")?,
                    })
                })
                .collect::<R<Vec<_>>>()
        })
        .transpose()?;
    let review = present(v, "review")
        .map(|r| {
            Ok::<_, String>(ReviewAndTermination {
                review_every_months: opt_u32(&r, "reviewEveryMonths")
                    .ok_or("missing reviewEveryMonths")?,
                auto_renew: r.get("autoRenew").and_then(Value::as_bool).unwrap_or(false),
                renewal_term_months: opt_u32(&r, "renewalTermMonths"),
                notice_period_days: opt_u32(&r, "noticePeriodDays")
                    .ok_or("missing noticePeriodDays")?,
                termination_conditions: texts_at(&r, "terminationConditions")?,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_section_survives_a_round_trip_through_json() {
        let t = |s: &str| Text::parse("t", s, 1000, true).expect("text");
        let d = |s: &str| s.parse::<Decimal>().expect("decimal");
        let sections = Sections {
            summary: Some(Summary {
                title: t("Support retainer"),
                purpose: t("Keep Acme running"),
                effective_from: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
                effective_until: NaiveDate::from_ymd_opt(2026, 12, 31),
                fee: Some(Money::parse("fee", "1250.50", "EUR").expect("money")),
                billing_cadence: BillingCadence::Monthly,
                our_signatory: Some(t("Grace")),
                their_signatory: None,
            }),
            terms: Some(TermsOfService {
                clauses: vec![Clause {
                    heading: t("Scope"),
                    body: t("Everything\nand more"),
                }],
                scope_items: vec![t("Helpdesk")],
                payment_terms_days: Some(30),
            }),
            metrics: Some(vec![Metric {
                key: MetricKey::parse("k", "first_response").expect("key"),
                name: t("First response"),
                kind: MetricKind::FirstResponseTime,
                unit: MetricUnit::Minutes,
                comparator: Comparator::AtMost,
                target: d("60"),
                warning_threshold: Some(d("45.5")),
                period: MeasurementPeriod::Monthly,
                calculation: Calculation::P95,
            }]),
            consequences: Some(vec![ConsequenceRule {
                metric_key: MetricKey::parse("k", "first_response").expect("key"),
                kind: ConsequenceKind::ServiceCredit,
                credit_percent: Some(d("5")),
                tiers: vec![CreditTier {
                    missed_by_percent_at_least: d("10"),
                    credit_percent: d("10"),
                }],
                penalty: None,
                escalate_to: Some(Role::AccountManager),
                breaches_to_terminate: Some(3),
                within_periods: Some(6),
                cap_percent_per_period: Some(d("20")),
            }]),
            review: Some(ReviewAndTermination {
                review_every_months: 6,
                auto_renew: true,
                renewal_term_months: Some(12),
                notice_period_days: 30,
                termination_conditions: vec![t("Material breach")],
            }),
        };
        assert_eq!(from_json(&to_json(&sections)), Ok(sections));
        assert_eq!(
            from_json(&to_json(&Sections::default())),
            Ok(Sections::default())
        );
    }
}
