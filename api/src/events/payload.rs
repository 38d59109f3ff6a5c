//! The `data` of each event type, built from the change's before/after snapshots (the audit
//! log's) and the event's own data, then shaped to exactly the fields the catalogue declares
//! (missing ones are `null`, nothing undeclared leaks).

use rapport_domain::agreement::Money;
use rapport_domain::events::{CreditChange, DomainEvent, EventTypeInfo, FieldType, MetricEvent};
use serde_json::{Map, Value, json};

use crate::global_id::{self, Kind};

/// The payload of `event`, from the snapshots of the change that wrote it.
pub fn data(event: &DomainEvent, before: Option<&Value>, after: Option<&Value>) -> Value {
    let null = Value::Null;
    let after = after.unwrap_or(&null);
    let before = before.unwrap_or(&null);
    let mut raw = match after {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    use DomainEvent as E;
    match event {
        E::AccountPromoted { reason, .. } | E::AccountDemoted { reason, .. } => {
            raw.insert("from".into(), before["relationshipType"].clone());
            raw.insert("to".into(), after["relationshipType"].clone());
            raw.insert("reason".into(), json!(reason));
        }
        E::AccountManagerAssigned(_) => {
            raw.insert(
                "previousAccountManagerId".into(),
                before["accountManagerId"].clone(),
            );
        }
        E::PartnerReferralCreated { partner, .. } => {
            raw.insert("partnerId".into(), json!(partner.get()));
        }
        E::AccountUpdated(_)
        | E::ContactUpdated(_)
        | E::TeamMemberUpdated(_)
        | E::PartnerUpdated(_) => {
            raw.insert("changed".into(), json!(changed(before, after)));
        }
        E::ContactErased(_) if raw.get("accountId").is_none_or(Value::is_null) => {
            raw.insert("accountId".into(), before["accountId"].clone());
        }
        E::AgreementTerminated(_) | E::TerminationNoticeGiven(_) => {
            let termination = &after["termination"];
            raw.insert("terminationKind".into(), termination["kind"].clone());
            raw.insert("effectiveOn".into(), termination["effectiveOn"].clone());
        }
        E::NoticeDeadlineApproaching {
            days, cancel_by, ..
        } => {
            raw.insert("days".into(), json!(days));
            raw.insert("cancelBy".into(), json!(cancel_by.to_string()));
        }
        E::MetricAtRisk(m) | E::MetricBreached(m) => raw = metric(m),
        E::CreditIncurred(c) | E::CreditChanged(c) => raw = credit(c),
        _ => {}
    }
    conform(event.info(), raw)
}

/// The names of the top-level snapshot fields that differ (never their values).
fn changed(before: &Value, after: &Value) -> Vec<String> {
    let (Value::Object(b), Value::Object(a)) = (before, after) else {
        return Vec::new();
    };
    let mut names: Vec<String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| *k != "version" && a.get(*k) != b.get(*k))
        .cloned()
        .collect();
    names.sort();
    names.dedup();
    names
}

fn period_fields(
    raw: &mut Map<String, Value>,
    key: &str,
    period: &rapport_domain::agreement::Period,
) {
    raw.insert("metricKey".into(), json!(key));
    raw.insert("periodStart".into(), json!(period.start().to_string()));
    raw.insert("periodEnd".into(), json!(period.end().to_string()));
}

fn metric(m: &MetricEvent) -> Map<String, Value> {
    let mut raw = Map::new();
    period_fields(&mut raw, m.metric_key.as_str(), &m.period);
    raw.insert("metricName".into(), json!(m.metric_name));
    raw.insert("comparator".into(), json!(m.comparator.as_str()));
    raw.insert("target".into(), json!(m.target.normalize().to_string()));
    raw.insert(
        "actual".into(),
        json!(m.actual.map(|a| a.normalize().to_string())),
    );
    raw
}

fn money(m: &Money) -> Value {
    json!({"amount": m.amount_string(), "currency": m.currency().as_str()})
}

fn credit(c: &CreditChange) -> Map<String, Value> {
    let mut raw = Map::new();
    period_fields(&mut raw, c.metric_key.as_str(), &c.period);
    raw.insert("amount".into(), money(&c.amount));
    raw.insert(
        "previousAmount".into(),
        c.previous.as_ref().map_or(Value::Null, money),
    );
    raw
}

/// Global ids for the raw ids snapshots hold, by field name.
fn id_kind(field: &str) -> Option<Kind> {
    match field {
        "accountId" => Some(Kind::Account),
        "partnerId" => Some(Kind::Partner),
        "accountManagerId" | "previousAccountManagerId" => Some(Kind::TeamMember),
        _ => None,
    }
}

/// Exactly the declared fields, in catalogue order: ids as global ids, absent ones `null`.
fn conform(info: &EventTypeInfo, mut raw: Map<String, Value>) -> Value {
    let mut data = Map::new();
    for field in info.fields {
        let mut value = raw.remove(field.name).unwrap_or(Value::Null);
        if field.ty == FieldType::GlobalId
            && let (Some(kind), Some(id)) = (id_kind(field.name), value.as_i64())
        {
            value = json!(global_id::encode(kind, id));
        }
        data.insert(field.name.to_owned(), value);
    }
    Value::Object(data)
}

#[cfg(test)]
mod tests {
    use rapport_domain::ids::{AccountId, ContactId};

    use super::*;

    #[test]
    fn a_promotion_carries_from_to_reason_and_the_manager_as_a_global_id() {
        let before = json!({"relationshipType": "CUSTOMER", "accountManagerId": null, "name": "A"});
        let after = json!({"relationshipType": "CLIENT", "accountManagerId": 4, "name": "A"});
        let event = DomainEvent::AccountPromoted {
            account: AccountId::new(1),
            reason: "big".into(),
        };
        assert_eq!(
            data(&event, Some(&before), Some(&after)),
            json!({
                "from": "CUSTOMER",
                "to": "CLIENT",
                "reason": "big",
                "accountManagerId": global_id::encode(Kind::TeamMember, 4),
            })
        );
    }

    #[test]
    fn a_contact_update_names_the_changed_fields_not_their_values() {
        let before = json!({"accountId": 2, "email": "a@x.io", "firstName": "A", "version": 1});
        let after = json!({"accountId": 2, "email": "b@x.io", "firstName": "A", "version": 2});
        let got = data(
            &DomainEvent::ContactUpdated(ContactId::new(1)),
            Some(&before),
            Some(&after),
        );
        assert_eq!(
            got,
            json!({"accountId": global_id::encode(Kind::Account, 2), "changed": ["email"]})
        );
        assert!(!got.to_string().contains("b@x.io"));
    }
}
