//! Event type + facts → notices. See the table in the module docs.

use super::{Audience, Facts, Notice, NotificationKind as K};
use crate::role::Role;

fn named(facts: &Facts, fallback: &str) -> String {
    if facts.subject_name.trim().is_empty() {
        fallback.to_owned()
    } else {
        facts.subject_name.clone()
    }
}

fn manager(facts: &Facts) -> Vec<Audience> {
    facts
        .account_manager
        .map(Audience::Member)
        .into_iter()
        .collect()
}

fn metric(facts: &Facts) -> String {
    facts
        .metric_key
        .as_deref()
        .map_or_else(|| "a metric".to_owned(), |k| format!("metric `{k}`"))
}

/// The notices an event of `event_type` brings, given its facts. Event types without a rule
/// bring none; a notice whose audience is unknown (no account manager) addresses nobody.
pub fn notices_for(event_type: &str, facts: &Facts) -> Vec<Notice> {
    let name = named(facts, "an agreement");
    let notice = |kind, title: String, body: String, audiences: Vec<Audience>| Notice {
        kind,
        title,
        body,
        audiences,
    };
    match event_type {
        "agreement.submitted" | "agreement.amendment_proposed" => {
            let what = if event_type == "agreement.submitted" {
                "Agreement"
            } else {
                "Amendment"
            };
            vec![notice(
                K::ApprovalWaiting,
                format!("{what} waiting for approval: {name}"),
                format!(
                    "{what} of {name} was submitted and waits for an admin who did not write it to approve or reject it."
                ),
                vec![Audience::RoleExcept(Role::Admin, facts.authors.clone())],
            )]
        }
        "agreement.metric_at_risk" => vec![notice(
            K::MetricAtRisk,
            format!("Metric at risk: {name}"),
            format!(
                "{} of {name} passed its warning threshold.",
                capitalised(&metric(facts))
            ),
            manager(facts),
        )],
        "agreement.metric_breached" => {
            let mut out = vec![notice(
                K::MetricBreached,
                format!("Metric breached: {name}"),
                format!(
                    "{} of {name} missed its target.",
                    capitalised(&metric(facts))
                ),
                manager(facts),
            )];
            let mut roles = facts.escalations.clone();
            roles.sort();
            roles.dedup();
            if !roles.is_empty() {
                out.push(notice(
                    K::Escalation,
                    format!("Escalation: {name}"),
                    format!(
                        "{} of {name} missed its target; the agreement escalates the breach to {}.",
                        capitalised(&metric(facts)),
                        roles
                            .iter()
                            .map(|r| r.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    roles.into_iter().map(Audience::Role).collect(),
                ));
            }
            out
        }
        "agreement.notice_deadline_approaching" => {
            let days = facts
                .days_to_cancel_by
                .map_or_else(|| "soon".to_owned(), in_days);
            let by = facts
                .cancel_by
                .map_or_else(String::new, |d| format!(" (cancel by {d})"));
            vec![notice(
                K::NoticeDeadline,
                format!("Notice deadline {days}: {name}"),
                format!(
                    "The last day to give notice on {name} is {days}{by}; after it the agreement runs its term or renews."
                ),
                manager(facts),
            )]
        }
        "agreement.review_due" => {
            let overdue = matches!((facts.review_due_on, facts.today), (Some(due), Some(today)) if due < today);
            let (title, when) = match (overdue, facts.review_due_on) {
                (true, Some(due)) => ("Review overdue", format!("was due on {due}")),
                (_, Some(due)) => ("Review due", format!("is due on {due}")),
                _ => ("Review due", "is due".to_owned()),
            };
            vec![notice(
                K::ReviewDue,
                format!("{title}: {name}"),
                format!("The review of {name} {when}."),
                manager(facts),
            )]
        }
        "partner.referral_created" => {
            let account = named(facts, "a new account");
            vec![notice(
                K::PartnerReferral,
                format!("New partner referral: {account}"),
                format!("A partner referred {account}."),
                vec![Audience::Role(Role::Admin)],
            )]
        }
        "webhook.endpoint_disabled" => {
            let endpoint = named(facts, "a webhook endpoint");
            let why = facts
                .reason
                .as_deref()
                .filter(|r| !r.trim().is_empty())
                .map_or_else(String::new, |r| format!(": {r}"));
            let audience = facts
                .endpoint_owner
                .map_or(Audience::Role(Role::Admin), Audience::Member);
            vec![notice(
                K::EndpointDisabled,
                format!("Webhook endpoint disabled: {endpoint}"),
                format!(
                    "Deliveries to {endpoint} stopped{why}. Fix the receiver and enable the endpoint again."
                ),
                vec![audience],
            )]
        }
        _ => Vec::new(),
    }
}

fn in_days(days: u32) -> String {
    match days {
        0 => "today".to_owned(),
        1 => "in 1 day".to_owned(),
        n => format!("in {n} days"),
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}
