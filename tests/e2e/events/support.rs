//! What the event tests share: reading an aggregate's outbox events, checking them against
//! the catalogue, and the readers envelopes are built for.

use rapport_api::events::Event;
use rapport_api::global_id::{self, Kind};
use rapport_domain::ids::{PartnerId, TeamMemberId};
use rapport_domain::permissions::Principal;
use rapport_domain::role::Role;
use rapport_tests::{TestApp, complete_sections};
use serde_json::{Value, json};

pub async fn events_of(app: &TestApp, kind: Kind, id: &str) -> Vec<Event> {
    let raw = global_id::decode(kind, id).expect("raw id");
    app.store
        .outbox_events_of(kind.name(), raw)
        .await
        .expect("outbox")
}

/// Every event's `data` holds exactly its catalogue fields, each of its declared JSON type
/// (or null where the catalogue allows it).
pub fn assert_conforms(events: &[Event]) {
    use rapport_domain::events::{FieldType, info};
    for e in events {
        let info =
            info(&e.event_type).unwrap_or_else(|| panic!("{} is not catalogued", e.event_type));
        let data = e.data.as_object().expect("data is an object");
        let mut keys: Vec<&str> = data.keys().map(String::as_str).collect();
        keys.sort_unstable();
        let mut declared: Vec<&str> = info.fields.iter().map(|f| f.name).collect();
        declared.sort_unstable();
        assert_eq!(keys, declared, "{}", e.event_type);
        for f in info.fields {
            let value = &data[f.name];
            let ok = match (value, f.ty) {
                (Value::Null, _) => f.nullable,
                (Value::String(s), FieldType::Enum(values)) => values.contains(&s.as_str()),
                (Value::String(_), ty) => ty.json_type() == "string",
                (Value::Number(n), FieldType::Integer) => n.is_i64(),
                (Value::Bool(_), FieldType::Boolean) => true,
                (Value::Array(items), FieldType::StringList) => items.iter().all(Value::is_string),
                (Value::Object(m), FieldType::Money) => {
                    m["amount"].is_string() && m["currency"].is_string()
                }
                _ => false,
            };
            assert!(
                ok,
                "{}.{} = {value} is not a {:?}",
                e.event_type, f.name, f.ty
            );
        }
    }
}

pub fn find<'a>(events: &'a [Event], ty: &str) -> &'a Event {
    events
        .iter()
        .rev()
        .find(|e| e.event_type == ty)
        .unwrap_or_else(|| panic!("no {ty} in {events:?}"))
}

pub fn admin_reader() -> Principal {
    Principal::Staff {
        member: TeamMemberId::new(1),
        role: Role::Admin,
    }
}

pub fn partner_principal(id: &str) -> Principal {
    Principal::Partner {
        partner: PartnerId::new(global_id::decode(Kind::Partner, id).expect("partner id")),
        scopes: rapport_domain::permissions::Scopes::ALL,
    }
}

/// A partner's client account with an ACTIVE agreement of the standard sections: (partner id,
/// account, agreement).
pub async fn referred_client_with_agreement(app: &TestApp) -> (String, String, String) {
    let (partner, _) = app.partner("Referrer").await;
    let (manager, _) = app.member("ACCOUNT_MANAGER").await;
    let account = app
        .account_as(
            &app.admin_token.clone(),
            "Breaching Co",
            json!({"partnerId": partner, "acquisitionChannel": "PARTNER"}),
        )
        .await;
    app.promote(&account, &manager, 1).await;
    let (agreement, _, _) = app.active_agreement(&account, complete_sections()).await;
    (partner, account, agreement)
}
