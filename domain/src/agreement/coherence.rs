//! Whether the five sections are complete and fit together: what `submit` and
//! `propose_amendment` require. Every problem is reported, each under the input path a client
//! used (`consequences[1].metricKey`), so a user can fix them all in one go.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::money::Currency;
use super::sections::{
    Comparator, ConsequenceKind, ConsequenceRule, Metric, MetricKey, MetricUnit,
    ReviewAndTermination, Sections, Summary,
};
use crate::error::ValidationError;

impl Sections {
    /// Every reason these sections cannot be submitted; empty when they can.
    ///
    /// Rules: all five sections present, at least one clause and one metric; a fee; dates in
    /// order; a notice period shorter than the term (open-ended: no limit); metric keys unique;
    /// warning thresholds on the good side of the target; percentages within 0–100; each
    /// consequence names a metric of the agreement and carries what its kind needs (credit
    /// percent or tiers rising in both columns, penalty in the fee's currency, a role to
    /// escalate to, N breaches within M ≥ N periods); one cap for all rules; a review cadence of
    /// at least a month; auto-renewal only with a renewal term and an end date.
    pub fn problems(&self) -> Vec<ValidationError> {
        let mut out = Vec::new();
        let missing = |out: &mut Vec<ValidationError>, field: &str, what: &str| {
            out.push(ValidationError::new(
                field,
                format!("the {what} section is missing"),
            ));
        };
        match &self.summary {
            Some(summary) => summary_problems(summary, &mut out),
            None => missing(&mut out, "summary", "summary"),
        }
        match &self.terms {
            Some(terms) if terms.clauses.is_empty() => out.push(ValidationError::new(
                "terms.clauses",
                "at least one clause is needed",
            )),
            Some(_) => {}
            None => missing(&mut out, "terms", "terms of service"),
        }
        match &self.metrics {
            Some(metrics) if metrics.is_empty() => out.push(ValidationError::new(
                "performance.metrics",
                "at least one metric is needed",
            )),
            Some(metrics) => metric_problems(metrics, &mut out),
            None => missing(&mut out, "performance", "performance measurement"),
        }
        match &self.consequences {
            Some(rules) => {
                let fee_currency = self
                    .summary
                    .as_ref()
                    .and_then(|s| s.fee)
                    .map(|fee| fee.currency());
                let keys = self
                    .metrics
                    .as_ref()
                    .map(|m| m.iter().map(|metric| &metric.key).collect::<Vec<_>>());
                consequence_problems(rules, keys.as_deref(), fee_currency, &mut out);
            }
            None => missing(&mut out, "consequences", "consequences"),
        }
        match &self.review {
            Some(review) => review_problems(review, self.summary.as_ref(), &mut out),
            None => missing(&mut out, "reviewAndTermination", "review and termination"),
        }
        out
    }
}

fn summary_problems(summary: &Summary, out: &mut Vec<ValidationError>) {
    if summary.fee.is_none() {
        out.push(ValidationError::new(
            "summary.fee",
            "a fee is required (for ONE_OFF, the whole price)",
        ));
    }
    if let Some(until) = summary.effective_until
        && until < summary.effective_from
    {
        out.push(ValidationError::new(
            "summary.effectiveUntil",
            format!(
                "must be on or after effectiveFrom ({})",
                summary.effective_from
            ),
        ));
    }
}

fn percent_in_range(value: Decimal) -> bool {
    value >= Decimal::ZERO && value <= Decimal::ONE_HUNDRED
}

fn metric_problems(metrics: &[Metric], out: &mut Vec<ValidationError>) {
    let mut seen: BTreeMap<&MetricKey, usize> = BTreeMap::new();
    for (i, metric) in metrics.iter().enumerate() {
        let at = |field: &str| format!("performance.metrics[{i}].{field}");
        if let Some(first) = seen.insert(&metric.key, i) {
            out.push(ValidationError::new(
                at("key"),
                format!("`{}` is also the key of metrics[{first}]", metric.key),
            ));
        }
        if metric.target.is_sign_negative() {
            out.push(ValidationError::new(at("target"), "must not be negative"));
        }
        if metric.unit == MetricUnit::Percent && !percent_in_range(metric.target) {
            out.push(ValidationError::new(
                at("target"),
                "a percentage must be between 0 and 100",
            ));
        }
        if let Some(warning) = metric.warning_threshold {
            let (good_side, word) = match metric.comparator {
                Comparator::AtMost => (warning < metric.target, "below"),
                Comparator::AtLeast => (warning > metric.target, "above"),
            };
            if !good_side {
                out.push(ValidationError::new(
                    at("warningThreshold"),
                    format!(
                        "must be {word} the target ({}) for an {} metric",
                        metric.target, metric.comparator
                    ),
                ));
            }
        }
    }
}

fn consequence_problems(
    rules: &[ConsequenceRule],
    metric_keys: Option<&[&MetricKey]>,
    fee_currency: Option<Currency>,
    out: &mut Vec<ValidationError>,
) {
    let mut first_cap: Option<(usize, Decimal)> = None;
    for (i, rule) in rules.iter().enumerate() {
        let at = |field: &str| format!("consequences[{i}].{field}");
        // Without a metrics section every key is unknown; the missing section says enough.
        if let Some(keys) = metric_keys
            && !keys.contains(&&rule.metric_key)
        {
            out.push(ValidationError::new(
                at("metricKey"),
                format!("no metric `{}` in performance.metrics", rule.metric_key),
            ));
        }
        kind_problems(rule, &at, out);
        if let (Some(penalty), Some(fee)) = (rule.penalty, fee_currency)
            && penalty.currency() != fee
        {
            out.push(ValidationError::new(
                at("penalty.currency"),
                format!("must be the fee's currency ({fee})"),
            ));
        }
        if let Some(cap) = rule.cap_percent_per_period {
            if cap <= Decimal::ZERO || cap > Decimal::ONE_HUNDRED {
                out.push(ValidationError::new(
                    at("capPercentPerPeriod"),
                    "must be more than 0 and at most 100",
                ));
            }
            match first_cap {
                Some((j, other)) if other != cap => out.push(ValidationError::new(
                    at("capPercentPerPeriod"),
                    format!(
                        "the cap covers all credits of a period, so it must match consequences[{j}] ({other})"
                    ),
                )),
                Some(_) => {}
                None => first_cap = Some((i, cap)),
            }
        }
    }
}

fn kind_problems(
    rule: &ConsequenceRule,
    at: &dyn Fn(&str) -> String,
    out: &mut Vec<ValidationError>,
) {
    let mut need = |field: &str, message: &str| out.push(ValidationError::new(at(field), message));
    match rule.kind {
        ConsequenceKind::ServiceCredit => {
            if rule.credit_percent.is_none() && rule.tiers.is_empty() {
                need(
                    "creditPercent",
                    "a service credit needs creditPercent or tiers",
                );
            }
            if let Some(p) = rule.credit_percent
                && (p <= Decimal::ZERO || p > Decimal::ONE_HUNDRED)
            {
                need("creditPercent", "must be more than 0 and at most 100");
            }
            for (j, pair) in rule.tiers.windows(2).enumerate() {
                if pair[1].missed_by_percent_at_least <= pair[0].missed_by_percent_at_least
                    || pair[1].credit_percent <= pair[0].credit_percent
                {
                    need(
                        &format!("tiers[{}]", j + 1),
                        "tiers must rise: each misses by more and credits more than the one before",
                    );
                }
            }
            for (j, tier) in rule.tiers.iter().enumerate() {
                if tier.missed_by_percent_at_least.is_sign_negative()
                    || tier.credit_percent <= Decimal::ZERO
                    || tier.credit_percent > Decimal::ONE_HUNDRED
                {
                    need(
                        &format!("tiers[{j}]"),
                        "missedByPercentAtLeast must not be negative and creditPercent must be more than 0 and at most 100",
                    );
                }
            }
        }
        ConsequenceKind::FixedPenalty if rule.penalty.is_none() => {
            need("penalty", "a fixed penalty needs an amount");
        }
        ConsequenceKind::Escalation if rule.escalate_to.is_none() => {
            need("escalateTo", "an escalation needs a role to escalate to");
        }
        ConsequenceKind::TerminationRight => {
            match (rule.breaches_to_terminate, rule.within_periods) {
                (Some(n), Some(m)) if n == 0 || n > m => need(
                    "breachesToTerminate",
                    &format!("must be at least 1 and at most withinPeriods ({m})"),
                ),
                (Some(_), Some(_)) => {}
                (n, m) => {
                    if n.is_none() {
                        need(
                            "breachesToTerminate",
                            "a termination right needs breachesToTerminate",
                        );
                    }
                    if m.is_none() {
                        need("withinPeriods", "a termination right needs withinPeriods");
                    }
                }
            }
        }
        ConsequenceKind::FixedPenalty | ConsequenceKind::Escalation => {}
    }
}

fn review_problems(
    review: &ReviewAndTermination,
    summary: Option<&Summary>,
    out: &mut Vec<ValidationError>,
) {
    let at = |field: &str| format!("reviewAndTermination.{field}");
    if review.review_every_months == 0 {
        out.push(ValidationError::new(
            at("reviewEveryMonths"),
            "must be at least 1",
        ));
    }
    if review.renewal_term_months == Some(0) {
        out.push(ValidationError::new(
            at("renewalTermMonths"),
            "must be at least 1",
        ));
    }
    if review.auto_renew && review.renewal_term_months.is_none() {
        out.push(ValidationError::new(
            at("renewalTermMonths"),
            "required when autoRenew is true",
        ));
    }
    let Some(summary) = summary else { return };
    match summary.effective_until {
        None if review.auto_renew => out.push(ValidationError::new(
            at("autoRenew"),
            "an open-ended agreement has no term to renew",
        )),
        None => {}
        Some(until) if until >= summary.effective_from => {
            let term_days = (until - summary.effective_from).num_days() + 1;
            if i64::from(review.notice_period_days) >= term_days {
                out.push(ValidationError::new(
                    at("noticePeriodDays"),
                    format!("must be shorter than the term ({term_days} days)"),
                ));
            }
        }
        // Dates out of order are reported on the summary.
        Some(_) => {}
    }
}
