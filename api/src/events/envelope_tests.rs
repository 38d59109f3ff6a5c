use chrono::{TimeZone, Utc};
use rapport_domain::ids::{PartnerId, TeamMemberId};
use rapport_domain::permissions::Principal;
use rapport_domain::role::Role;
use serde_json::{Value, json};

use super::envelope;
use crate::events::{Actor, ActorKind, Event};
use crate::global_id::Kind;

fn event(event_type: &str, kind: Kind, data: Value) -> Event {
    Event {
        seq: 1,
        id: "evt_1".into(),
        event_type: event_type.into(),
        version: 1,
        at: Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).single().unwrap(),
        actor: Actor {
            kind: ActorKind::Staff,
            id: Some(7),
            subject: "alice".into(),
            name: "Alice Admin".into(),
        },
        aggregate_kind: kind,
        aggregate_id: 3,
        account_id: Some(2),
        data,
    }
}

fn staff(role: Role) -> Principal {
    Principal::Staff {
        member: TeamMemberId::new(9),
        role,
    }
}

fn partner() -> Principal {
    Principal::Partner {
        partner: PartnerId::new(4),
        scopes: rapport_domain::permissions::Scopes::ALL,
    }
}

fn keys(v: &Value) -> Vec<String> {
    v["data"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// One event per visibility class, with every field filled.
fn representative() -> Vec<Event> {
    let money = json!({"amount": "120.00", "currency": "EUR"});
    vec![
        event(
            "account.promoted",
            Kind::Account,
            json!({"from": "CUSTOMER", "to": "CLIENT", "reason": "big", "accountManagerId": "VGVhbU1lbWJlcjo3"}),
        ),
        event(
            "agreement.approved",
            Kind::Agreement,
            json!({"status": "ACTIVE", "revision": 2, "title": "SLA", "termEnd": null, "fee": money}),
        ),
        event(
            "agreement.terminated",
            Kind::Agreement,
            json!({"status": "TERMINATED", "revision": 1, "title": "SLA", "terminationKind": "FOR_CAUSE", "effectiveOn": "2026-03-01"}),
        ),
        event(
            "agreement.credit_incurred",
            Kind::Agreement,
            json!({"metricKey": "frt", "periodStart": "2026-03-01", "periodEnd": "2026-03-31", "amount": money}),
        ),
        event(
            "team_member.created",
            Kind::TeamMember,
            json!({"name": "Bob", "role": "VIEWER", "active": true}),
        ),
        event(
            "partner.created",
            Kind::Partner,
            json!({"name": "P", "active": true}),
        ),
        event("token.revoked", Kind::Partner, json!({})),
    ]
}

#[test]
fn each_role_receives_the_types_and_fields_its_reads_allow() {
    // (reader, event type, Some(fields in data) or None when not received).
    let admin = staff(Role::Admin);
    let manager = staff(Role::AccountManager);
    let agent = staff(Role::SupportAgent);
    let viewer = staff(Role::Viewer);
    let p = partner();
    let promoted_all: &[&str] = &["from", "to", "reason", "accountManagerId"];
    let approved_all: &[&str] = &["status", "revision", "title", "termEnd", "fee"];
    let approved_no_money: &[&str] = &["status", "revision", "title", "termEnd"];
    let terminated_all: &[&str] = &[
        "status",
        "revision",
        "title",
        "terminationKind",
        "effectiveOn",
    ];
    let terminated_no_terms: &[&str] = &["status", "revision", "title", "effectiveOn"];
    let credit: &[&str] = &["metricKey", "periodStart", "periodEnd", "amount"];
    let member: &[&str] = &["name", "role", "active"];
    let partner_fields: &[&str] = &["name", "active"];
    let table: Vec<(&str, &Principal, &str, Option<&[&str]>)> = vec![
        ("admin", &admin, "account.promoted", Some(promoted_all)),
        ("admin", &admin, "agreement.approved", Some(approved_all)),
        (
            "admin",
            &admin,
            "agreement.terminated",
            Some(terminated_all),
        ),
        ("admin", &admin, "agreement.credit_incurred", Some(credit)),
        ("admin", &admin, "team_member.created", Some(member)),
        ("admin", &admin, "partner.created", Some(partner_fields)),
        ("admin", &admin, "token.revoked", Some(&[])),
        ("manager", &manager, "account.promoted", Some(promoted_all)),
        (
            "manager",
            &manager,
            "agreement.approved",
            Some(approved_all),
        ),
        (
            "manager",
            &manager,
            "agreement.credit_incurred",
            Some(credit),
        ),
        ("manager", &manager, "token.revoked", None),
        (
            "viewer",
            &viewer,
            "agreement.terminated",
            Some(terminated_all),
        ),
        ("viewer", &viewer, "token.revoked", None),
        ("agent", &agent, "account.promoted", Some(promoted_all)),
        (
            "agent",
            &agent,
            "agreement.approved",
            Some(approved_no_money),
        ),
        (
            "agent",
            &agent,
            "agreement.terminated",
            Some(terminated_no_terms),
        ),
        ("agent", &agent, "agreement.credit_incurred", None),
        ("agent", &agent, "team_member.created", Some(member)),
        ("partner", &p, "account.promoted", Some(&["from", "to"])),
        ("partner", &p, "agreement.approved", Some(approved_no_money)),
        (
            "partner",
            &p,
            "agreement.terminated",
            Some(terminated_no_terms),
        ),
        ("partner", &p, "agreement.credit_incurred", None),
        ("partner", &p, "team_member.created", None),
        ("partner", &p, "partner.created", None),
        ("partner", &p, "token.revoked", None),
    ];
    let events = representative();
    for (name, reader, ty, expected) in table {
        let event = events.iter().find(|e| e.event_type == ty).unwrap();
        let got = envelope(event, reader);
        match expected {
            None => assert!(got.is_none(), "{name} should not receive {ty}: {got:?}"),
            Some(fields) => {
                let got = got.unwrap_or_else(|| panic!("{name} should receive {ty}"));
                assert_eq!(keys(&got), fields.to_vec(), "{name} reading {ty}");
            }
        }
    }
}

#[test]
fn a_partner_sees_a_staff_actor_as_the_rapport_team_and_staff_see_the_member() {
    let e = &representative()[0];
    let for_partner = envelope(e, &partner()).unwrap();
    assert_eq!(
        for_partner["actor"],
        json!({"kind": "STAFF", "id": null, "name": "Rapport team"})
    );
    let for_admin = envelope(e, &staff(Role::Admin)).unwrap();
    assert_eq!(for_admin["actor"]["name"], "Alice Admin");
    assert!(for_admin["actor"]["id"].is_string());
}

#[test]
fn a_partner_receives_nothing_about_no_account() {
    let mut e = representative()[0].clone();
    e.account_id = None;
    assert!(envelope(&e, &partner()).is_none());
}

#[test]
fn the_envelope_carries_the_agreed_keys() {
    let got = envelope(&representative()[1], &staff(Role::Admin)).unwrap();
    let mut keys: Vec<&str> = got
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "accountId",
            "actor",
            "aggregate",
            "data",
            "id",
            "timestamp",
            "type",
            "version"
        ]
    );
    assert_eq!(got["timestamp"], "2026-03-01T12:00:00.000Z");
    assert_eq!(got["aggregate"]["type"], "Agreement");
}
