//! What the rules need to know about each event of a batch, read in one query per table.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use rapport_domain::agreement::schedule::NOTICE_THRESHOLDS;
use rapport_domain::agreement::{Agreement, ConsequenceKind};
use rapport_domain::ids::TeamMemberId;
use rapport_domain::notifications::Facts;
use serde_json::Value;

use crate::error::ApiError;
use crate::events::{ActorKind, Event};
use crate::global_id::Kind;
use crate::store::{InboxAccount, InboxEndpoint, InboxMember, Tx};

/// Everything a batch's facts come from.
pub(super) struct World {
    pub team: Vec<InboxMember>,
    by_subject: HashMap<String, TeamMemberId>,
    agreements: HashMap<i64, Agreement>,
    accounts: HashMap<i64, InboxAccount>,
    endpoints: HashMap<i64, InboxEndpoint>,
    breached: HashMap<i64, Vec<String>>,
}

fn ids_of(events: &[&Event], kind: Kind) -> Vec<i64> {
    let set: BTreeSet<i64> = events
        .iter()
        .filter(|e| e.aggregate_kind == kind)
        .map(|e| e.aggregate_id)
        .collect();
    set.into_iter().collect()
}

/// A payload field, read defensively: at the top of the payload or under its `data`.
fn field<'a>(data: &'a Value, key: &str) -> Option<&'a Value> {
    data.get(key)
        .or_else(|| data.get("data").and_then(|d| d.get(key)))
        .filter(|v| !v.is_null())
}

fn text<'a>(data: &'a Value, key: &str) -> Option<&'a str> {
    field(data, key).and_then(Value::as_str)
}

fn date(data: &Value, key: &str) -> Option<NaiveDate> {
    text(data, key).and_then(|d| d.get(..10)?.parse().ok())
}

impl World {
    pub(super) async fn load(tx: &Tx, events: &[&Event]) -> Result<Self, ApiError> {
        let team = tx.inbox_team().await?;
        let by_subject = team.iter().map(|m| (m.subject.clone(), m.id)).collect();
        let agreement_ids = ids_of(events, Kind::Agreement);
        let agreements: HashMap<i64, Agreement> = tx
            .inbox_agreements(&agreement_ids)
            .await?
            .into_iter()
            .map(|a| (a.id().get(), a))
            .collect();
        let mut account_ids: BTreeSet<i64> = events.iter().filter_map(|e| e.account_id).collect();
        account_ids.extend(ids_of(events, Kind::Account));
        account_ids.extend(agreements.values().map(|a| a.account().get()));
        let accounts = tx
            .inbox_accounts(&account_ids.into_iter().collect::<Vec<_>>())
            .await?;
        let endpoints = tx
            .inbox_endpoints(&ids_of(events, Kind::WebhookEndpoint))
            .await?;
        let unnamed_breaches: Vec<i64> = events
            .iter()
            .filter(|e| {
                e.event_type == "agreement.metric_breached" && text(&e.data, "metricKey").is_none()
            })
            .map(|e| e.aggregate_id)
            .collect();
        let breached = tx.breached_metrics(&unnamed_breaches).await?;
        Ok(Self {
            team,
            by_subject,
            agreements,
            accounts,
            endpoints,
            breached,
        })
    }

    fn member(&self, subject: &str) -> Option<TeamMemberId> {
        self.by_subject.get(subject).copied()
    }

    pub(super) fn facts_of(&self, event: &Event) -> Facts {
        let today = event.at.date_naive();
        let mut facts = Facts {
            actor: match event.actor.kind {
                ActorKind::Staff => event.actor.id.map(TeamMemberId::new),
                ActorKind::Partner | ActorKind::System => None,
            },
            today: Some(today),
            reason: text(&event.data, "reason").map(str::to_owned),
            metric_key: text(&event.data, "metricKey").map(str::to_owned),
            ..Facts::default()
        };
        let account_id = event.account_id.or(match event.aggregate_kind {
            Kind::Account => Some(event.aggregate_id),
            _ => None,
        });
        match event.aggregate_kind {
            Kind::Agreement => self.agreement_facts(event, today, &mut facts),
            Kind::Account => {
                facts.subject_name = self
                    .accounts
                    .get(&event.aggregate_id)
                    .map(|a| a.name.clone())
                    .unwrap_or_default();
            }
            Kind::WebhookEndpoint => {
                if let Some(endpoint) = self.endpoints.get(&event.aggregate_id) {
                    facts.subject_name.clone_from(&endpoint.url);
                    facts.endpoint_owner = endpoint.owner;
                }
            }
            _ => {}
        }
        let account_id = account_id.or_else(|| {
            self.agreements
                .get(&event.aggregate_id)
                .filter(|_| event.aggregate_kind == Kind::Agreement)
                .map(|a| a.account().get())
        });
        facts.account_manager = account_id
            .and_then(|id| self.accounts.get(&id))
            .and_then(|a| a.manager);
        facts
    }

    fn agreement_facts(&self, event: &Event, today: NaiveDate, facts: &mut Facts) {
        let Some(agreement) = self.agreements.get(&event.aggregate_id) else {
            return;
        };
        let latest = agreement.latest_revision();
        facts.subject_name = agreement
            .sections()
            .summary
            .as_ref()
            .or(latest.sections.summary.as_ref())
            .map(|s| s.title.as_str().to_owned())
            .unwrap_or_default();
        let mut authors: Vec<TeamMemberId> = std::iter::once(latest.created_by.as_str())
            .chain(latest.edited_by.iter().map(String::as_str))
            .chain(latest.submitted_by.as_deref())
            .filter_map(|s| self.member(s))
            .collect();
        authors.sort();
        authors.dedup();
        facts.authors = authors;
        if event.event_type == "agreement.metric_breached" {
            let metrics: Vec<String> = match &facts.metric_key {
                Some(key) => vec![key.clone()],
                None => self
                    .breached
                    .get(&event.aggregate_id)
                    .cloned()
                    .unwrap_or_default(),
            };
            let sections = agreement
                .revision_in_force_on(today)
                .map_or_else(|| agreement.sections(), |r| &r.sections);
            facts.escalations = sections
                .consequences
                .iter()
                .flatten()
                .filter(|rule| rule.kind == ConsequenceKind::Escalation)
                .filter(|rule| metrics.iter().any(|m| m == rule.metric_key.as_str()))
                .filter_map(|rule| rule.escalate_to)
                .collect();
        }
        facts.cancel_by = date(&event.data, "cancelBy").or_else(|| agreement.cancel_by());
        facts.days_to_cancel_by = field(&event.data, "days")
            .and_then(Value::as_u64)
            .and_then(|d| u32::try_from(d).ok())
            .or_else(|| {
                // Without the payload: the threshold the scheduler announced, the nearest one
                // at or above the days left.
                let left = u32::try_from((facts.cancel_by? - today).num_days()).ok()?;
                NOTICE_THRESHOLDS.into_iter().filter(|t| left <= *t).min()
            });
        facts.review_due_on = date(&event.data, "dueOn").or_else(|| agreement.next_review_on());
    }
}
