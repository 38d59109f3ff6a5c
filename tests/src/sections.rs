//! Agreement sections and measurements as GraphQL input, on dates around today.

use serde_json::{Value, json};

/// Dates around the real today (the server judges "today" by its own clock): agreements run
/// from the first day of last year to the last day of next year, so anything observed now or
/// last month falls inside their term.
#[derive(Debug, Clone, Copy)]
pub struct Calendar {
    /// Today (UTC).
    pub today: chrono::NaiveDate,
    /// January 1st of last year: `effectiveFrom` of the standard agreement.
    pub from: chrono::NaiveDate,
    /// December 31st of next year: `effectiveUntil` of the standard agreement.
    pub until: chrono::NaiveDate,
    /// The 15th of last month at noon UTC: a past instant in another month than today.
    pub last_month: chrono::DateTime<chrono::Utc>,
}

/// The [`Calendar`] of now.
pub fn calendar() -> Calendar {
    use chrono::{Datelike, Months, NaiveDate, Utc};
    let today = Utc::now().date_naive();
    let from = NaiveDate::from_ymd_opt(today.year() - 1, 1, 1).expect("date");
    let until = NaiveDate::from_ymd_opt(today.year() + 1, 12, 31).expect("date");
    let last_month = today
        .with_day(15)
        .and_then(|d| d.checked_sub_months(Months::new(1)))
        .and_then(|d| d.and_hms_opt(12, 0, 0))
        .expect("date")
        .and_utc();
    Calendar {
        today,
        from,
        until,
        last_month,
    }
}

/// A monthly metric in input, judged on the AVERAGE of its measurements. `unit`: `MINUTES`,
/// `PERCENT`, …; `comparator`: `AT_MOST` or `AT_LEAST`.
pub fn metric(
    key: &str,
    unit: &str,
    comparator: &str,
    target: &str,
    warning: Option<&str>,
) -> Value {
    json!({
        "key": key,
        "name": format!("Metric {key}"),
        "kind": "CUSTOM",
        "unit": unit,
        "comparator": comparator,
        "target": target,
        "warningThreshold": warning,
        "period": "MONTHLY",
        "calculation": "AVERAGE",
    })
}

/// `frt`: first response in at most 60 minutes (warning from 45), monthly average.
pub fn frt_metric() -> Value {
    metric("frt", "MINUTES", "AT_MOST", "60", Some("45"))
}

/// A `SERVICE_CREDIT` rule on `metric`: `flat` % of the period fee, and 10 % once the
/// target is missed by 50 % or more.
pub fn credit_rule(metric: &str, flat: &str) -> Value {
    json!({
        "metricKey": metric,
        "kind": "SERVICE_CREDIT",
        "creditPercent": flat,
        "tiers": [{"missedByPercentAtLeast": "50", "creditPercent": "10"}],
    })
}

/// All five sections, complete and coherent, with these metrics and consequence rules: a
/// fee of 3000.00 EUR billed monthly, [`Calendar`]'s term, two clauses, a review every 3
/// months, auto-renewal for 12 months, 30 days' notice.
pub fn sections_with(metrics: Vec<Value>, consequences: Vec<Value>) -> Value {
    let cal = calendar();
    json!({
        "summary": {
            "title": "Managed support",
            "purpose": "First-line and second-line support for the client's staff.",
            "effectiveFrom": cal.from.to_string(),
            "effectiveUntil": cal.until.to_string(),
            "fee": {"amount": "3000.00", "currency": "EUR"},
            "billingCadence": "MONTHLY",
            "ourSignatory": "Ada Lovelace",
            "theirSignatory": "Charles Babbage",
        },
        "terms": {
            "clauses": [
                {"heading": "Scope", "body": "Support by email and phone on working days."},
                {"heading": "Payment", "body": "Invoices are payable within 30 days."},
            ],
            "scopeItems": ["email", "phone"],
            "paymentTermsDays": 30,
        },
        "performance": {"metrics": metrics},
        "consequences": consequences,
        "reviewAndTermination": {
            "reviewEveryMonths": 3,
            "autoRenew": true,
            "renewalTermMonths": 12,
            "noticePeriodDays": 30,
            "terminationConditions": ["Repeated breach of the response-time target"],
        },
    })
}

/// The standard complete sections: the `frt` metric with a 5 % flat / 10 % tiered credit,
/// and an `uptime` metric (at least 99.5 %, warning from 99.8) that escalates to the account
/// manager.
pub fn complete_sections() -> Value {
    sections_with(
        vec![
            frt_metric(),
            metric("uptime", "PERCENT", "AT_LEAST", "99.5", Some("99.8")),
        ],
        vec![
            credit_rule("frt", "5"),
            json!({"metricKey": "uptime", "kind": "ESCALATION", "escalateTo": "ACCOUNT_MANAGER"}),
        ],
    )
}

/// A moment earlier today (UTC), `minutes` back on a scale where a whole day is 1,440: the
/// part of today that has passed is shortened by `minutes / 1440`. Distinct `minutes` give
/// distinct moments in the same order whatever the time of day, and none falls before
/// midnight, so the measurement period is this month's even a minute after midnight. (Plain
/// "now minus `minutes`, but not before midnight" puts every moment at midnight itself just
/// after it, and measurements that should differ then collide.)
pub fn earlier_today(minutes: i64) -> chrono::DateTime<chrono::Utc> {
    const DAY: i64 = 24 * 60;
    assert!(
        (0..DAY).contains(&minutes),
        "earlier_today({minutes}): 0..1440 minutes"
    );
    let now = chrono::Utc::now();
    let midnight = now
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc();
    let passed = (now - midnight)
        .num_microseconds()
        .expect("less than a day");
    now - chrono::TimeDelta::microseconds(passed * minutes / DAY)
}

/// One measurement in input.
pub fn measurement(key: &str, value: &str, at: chrono::DateTime<chrono::Utc>) -> Value {
    json!({
        "metricKey": key,
        "value": value,
        "observedAt": at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "source": "monitoring",
    })
}
