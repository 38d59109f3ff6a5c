//! The event catalogue through GraphQL, the payloads real flows write, and what a partner's
//! envelope of them carries.

use chrono::{Datelike, Days, Months, NaiveDate, TimeZone, Utc};
use rapport_api::events::envelope::envelope;
use rapport_api::global_id::Kind;
use rapport_api::service::run_scheduler;
use rapport_tests::{TestApp, earlier_today, measurement, spawn_app};
use serde_json::{Value, json};

use super::support::{
    admin_reader, assert_conforms, events_of, find, partner_principal,
    referred_client_with_agreement,
};

const EVENT_TYPES: &str = "{ eventTypes { name version aggregate description fields { name type nullable description } jsonSchema } }";

async fn event_types(app: &TestApp, token: &str) -> Vec<Value> {
    app.gql_as(Some(token), EVENT_TYPES, json!({}))
        .await
        .ok()
        .data("/eventTypes")
        .as_array()
        .expect("eventTypes")
        .clone()
}

fn named<'a>(types: &'a [Value], name: &str) -> Option<&'a Value> {
    types.iter().find(|t| t["name"] == name)
}

fn field_names(ty: &Value) -> Vec<String> {
    ty["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["name"].as_str().expect("name").to_owned())
        .collect()
}

#[tokio::test]
async fn event_types_lists_the_catalogue_each_role_may_receive() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let (_, agent) = app.member("SUPPORT_AGENT").await;
    let (_, partner) = app.partner("Referrer").await;

    let all = event_types(&app, &admin).await;
    assert_eq!(all.len(), rapport_domain::events::CATALOGUE.len());
    for name in [
        "token.revoked",
        "agreement.credit_changed",
        "contact.updated",
    ] {
        assert!(named(&all, name).is_some(), "admin misses {name}");
    }
    assert!(named(&all, "contact.changed").is_none());
    let breached = named(&all, "agreement.metric_breached").expect("breached");
    assert_eq!(breached["aggregate"], "Agreement");
    assert_eq!(breached["version"], 1);
    for f in ["metricKey", "periodStart", "periodEnd", "target", "actual"] {
        assert!(field_names(breached).contains(&f.to_owned()), "{f}");
    }
    let schema: Value = breached["jsonSchema"].clone();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(
        schema["properties"]["type"]["const"],
        "agreement.metric_breached"
    );
    assert!(
        field_names(named(&all, "agreement.approved").expect("approved"))
            .contains(&"fee".to_owned())
    );

    let agent_types = event_types(&app, &agent).await;
    assert!(named(&agent_types, "agreement.credit_incurred").is_none());
    assert!(named(&agent_types, "token.revoked").is_none());
    let approved = named(&agent_types, "agreement.approved").expect("approved");
    assert!(!field_names(approved).contains(&"fee".to_owned()));

    let partner_types = event_types(&app, &partner).await;
    for hidden in [
        "agreement.credit_incurred",
        "agreement.credit_changed",
        "team_member.created",
        "partner.token_issued",
        "token.revoked",
        "webhook.endpoint_disabled",
        "account.manager_assigned",
    ] {
        assert!(
            named(&partner_types, hidden).is_none(),
            "partner sees {hidden}"
        );
    }
    let promoted = named(&partner_types, "account.promoted").expect("promoted");
    assert_eq!(field_names(promoted), ["from", "to"]);
    let approved = named(&partner_types, "agreement.approved").expect("approved");
    assert!(!field_names(approved).contains(&"fee".to_owned()));
    let schema: Value = approved["jsonSchema"].clone();
    assert!(schema["properties"]["data"]["properties"]["status"].is_object());
    assert!(schema["properties"]["data"]["properties"]["fee"].is_null());
}

#[tokio::test]
async fn a_promotion_writes_from_to_reason_and_the_manager() {
    let app = spawn_app().await;
    let (account, (manager, _)) = app.client_account("Promoted Co").await;
    let events = events_of(&app, Kind::Account, &account).await;
    assert_conforms(&events);
    let promoted = find(&events, "account.promoted");
    assert!(promoted.id.starts_with("evt_"), "{}", promoted.id);
    assert_eq!(promoted.version, 1);
    assert_eq!(
        promoted.data,
        json!({"from": "CUSTOMER", "to": "CLIENT", "reason": "signed a retainer", "accountManagerId": manager})
    );
    let created = find(&events, "account.created");
    assert_eq!(created.data["name"], "Promoted Co");
    assert_eq!(created.data["relationshipType"], "CUSTOMER");
    assert!(
        !events
            .iter()
            .any(|e| e.event_type == "partner.referral_created"),
        "no partner, no referral"
    );
}

#[tokio::test]
async fn an_account_a_partner_creates_announces_its_referral() {
    let app = spawn_app().await;
    let (partner, token) = app.partner("Referrer").await;
    let account = app.account_as(&token, "Referred Co", json!({})).await;
    let events = events_of(&app, Kind::Account, &account).await;
    assert_conforms(&events);
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(types, ["account.created", "partner.referral_created"]);
    let referral = find(&events, "partner.referral_created");
    assert_eq!(
        referral.data,
        json!({"partnerId": partner, "name": "Referred Co", "acquisitionChannel": "PARTNER"})
    );
    assert_eq!(referral.actor.kind, rapport_api::events::ActorKind::Partner);
    let seen = envelope(referral, &partner_principal(&partner)).expect("the partner receives it");
    assert_eq!(seen["data"]["partnerId"], json!(partner));
    assert_eq!(seen["accountId"], json!(account));

    // Staff naming a referring partner announce it too.
    let by_staff = app
        .account_as(
            &app.admin_token.clone(),
            "Named Co",
            json!({"partnerId": partner, "acquisitionChannel": "PARTNER"}),
        )
        .await;
    let events = events_of(&app, Kind::Account, &by_staff).await;
    assert_eq!(
        find(&events, "partner.referral_created").data["partnerId"],
        json!(partner)
    );
}

#[tokio::test]
async fn a_breach_with_a_credit_writes_the_metric_period_and_amount_and_a_partner_sees_no_money() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let (partner, _, agreement) = referred_client_with_agreement(&app).await;
    let today = Utc::now().date_naive();
    let start = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).expect("month start");
    let end = start + Months::new(1) - Days::new(1);

    let mut m = measurement("frt", "50", earlier_today(30));
    app.record_measurements(&admin, &agreement, json!([m.clone()]))
        .await
        .ok();
    m = measurement("frt", "200", earlier_today(20));
    m["source"] = json!("probe");
    app.record_measurements(&admin, &agreement, json!([m]))
        .await
        .ok();
    let events = events_of(&app, Kind::Agreement, &agreement).await;
    let breached = find(&events, "agreement.metric_breached");
    assert_eq!(
        breached.data,
        json!({
            "metricKey": "frt", "metricName": "Metric frt",
            "periodStart": start.to_string(), "periodEnd": end.to_string(),
            "comparator": "AT_MOST", "target": "60", "actual": "125",
        })
    );
    let credit = find(&events, "agreement.credit_incurred");
    assert_eq!(
        credit.data,
        json!({
            "metricKey": "frt", "periodStart": start.to_string(), "periodEnd": end.to_string(),
            "amount": {"amount": "300.00", "currency": "EUR"},
        })
    );

    // Two fast answers bring the average to 63: missed by 5 %, the flat 5 % credit.
    let mut fast = vec![];
    for (i, minutes) in [10, 5].into_iter().enumerate() {
        let mut m = measurement("frt", "1", earlier_today(minutes));
        m["source"] = json!(format!("fast-{i}"));
        fast.push(m);
    }
    app.record_measurements(&admin, &agreement, json!(fast))
        .await
        .ok();
    let events = events_of(&app, Kind::Agreement, &agreement).await;
    assert_conforms(&events);
    let changed = find(&events, "agreement.credit_changed");
    assert_eq!(
        changed.data,
        json!({
            "metricKey": "frt", "periodStart": start.to_string(), "periodEnd": end.to_string(),
            "amount": {"amount": "150.00", "currency": "EUR"},
            "previousAmount": {"amount": "300.00", "currency": "EUR"},
        })
    );

    // Two more bring it to 42.3, within the target: the credit goes away.
    let mut fast = vec![];
    for (i, minutes) in [4, 3].into_iter().enumerate() {
        let mut m = measurement("frt", "1", earlier_today(minutes));
        m["source"] = json!(format!("faster-{i}"));
        fast.push(m);
    }
    app.record_measurements(&admin, &agreement, json!(fast))
        .await
        .ok();
    let events = events_of(&app, Kind::Agreement, &agreement).await;
    assert_conforms(&events);
    let removed = find(&events, "agreement.credit_changed");
    assert_eq!(
        removed.data["amount"],
        json!({"amount": "0.00", "currency": "EUR"})
    );
    assert_eq!(
        removed.data["previousAmount"],
        json!({"amount": "150.00", "currency": "EUR"})
    );

    // The partner: the breach without money, no credit event, no fee, no staff identity.
    let reader = partner_principal(&partner);
    let seen = envelope(breached, &reader).expect("a partner receives breaches");
    assert_eq!(seen["data"]["metricKey"], "frt");
    assert_eq!(
        seen["actor"],
        json!({"kind": "STAFF", "id": null, "name": "Rapport team"})
    );
    assert!(envelope(credit, &reader).is_none());
    assert!(envelope(changed, &reader).is_none());
    let activated = find(&events, "agreement.activated");
    assert_eq!(
        activated.data["fee"],
        json!({"amount": "3000.00", "currency": "EUR"})
    );
    assert_eq!(
        envelope(activated, &admin_reader()).expect("admin")["data"]["fee"]["amount"],
        "3000.00"
    );
    let seen = envelope(activated, &reader).expect("a partner receives activations");
    assert_eq!(seen["data"]["status"], "ACTIVE");
    for e in &events {
        let Some(seen) = envelope(e, &reader) else {
            continue;
        };
        let data = seen["data"].as_object().expect("data");
        for secret in [
            "fee",
            "amount",
            "previousAmount",
            "accountManagerId",
            "terminationKind",
            "reason",
        ] {
            assert!(
                !data.contains_key(secret),
                "{} shows {secret} to a partner: {seen}",
                e.event_type
            );
        }
        assert!(
            seen["actor"]["id"].is_null() || seen["actor"]["kind"] != "STAFF",
            "{seen}"
        );
    }
}

#[tokio::test]
async fn a_notice_deadline_carries_the_days_left_and_cancel_by() {
    let app = spawn_app().await;
    let (_, _, agreement) = referred_client_with_agreement(&app).await;
    let until = rapport_tests::calendar().until;
    let cancel_by = until - Days::new(30);
    let day = cancel_by - Days::new(7);
    run_scheduler(
        &app.store,
        Utc.from_utc_datetime(&day.and_hms_opt(6, 0, 0).expect("time")),
    )
    .await
    .expect("scheduler");
    let events = events_of(&app, Kind::Agreement, &agreement).await;
    assert_conforms(&events);
    let notice = find(&events, "agreement.notice_deadline_approaching");
    assert_eq!(
        notice.data,
        json!({"days": 7, "cancelBy": cancel_by.to_string(), "termEnd": until.to_string()})
    );
    assert_eq!(notice.actor.kind, rapport_api::events::ActorKind::System);
}
