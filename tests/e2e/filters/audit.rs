//! `AuditFilter`: day window, actor, entity type and id, together.

use rapport_tests::{calendar, spawn_app};
use serde_json::{Value, json};

use super::refused;

const LOG: &str = "query($filter: AuditFilter) {
  auditLog(first: 100, filter: $filter) { totalCount nodes { actor action entityType entityId } }
}";

/// Which of all entries a filter must keep.
type Keep<'a> = Box<dyn Fn(&Value) -> bool + 'a>;

fn entries(res: &rapport_tests::Gql) -> Vec<Value> {
    res.data("/auditLog/nodes")
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("no entries: {}", res.body))
}

#[tokio::test]
async fn the_audit_log_filters_by_day_window_actor_and_entity_together() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let (_, manager) = app.member("ACCOUNT_MANAGER").await;
    let manager_subject = app.subject_of(&manager).await;
    let mine = app.account_as(&manager, "Managed by me", json!({})).await;
    let other = app.account_as(&admin, "Someone else's", json!({})).await;
    app.contact(&other, "Ada", Some("ada@example.com")).await;
    let today = calendar().today;
    let yesterday = today.pred_opt().expect("date").to_string();
    let today = today.to_string();

    let all = app.gql(LOG, json!({"filter": {}})).await.ok();
    let total = entries(&all).len();
    assert!(total >= 4, "{}", all.body);

    let cases: Vec<(Value, Keep<'_>, &str)> = vec![
        (
            json!({"at": {"from": today}}),
            Box::new(|_| true),
            "everything happened today",
        ),
        (
            json!({"at": {"to": yesterday}}),
            Box::new(|_| false),
            "nothing before today",
        ),
        (
            json!({"at": {"from": today, "to": today}}),
            Box::new(|_| true),
            "a one-day window includes the whole day",
        ),
        (
            json!({"actor": manager_subject}),
            Box::new(|e: &Value| e["actor"] == manager_subject.as_str()),
            "by actor",
        ),
        (
            json!({"entityType": "Contact"}),
            Box::new(|e: &Value| e["entityType"] == "Contact"),
            "by entity type",
        ),
        (
            json!({"entityType": "Account", "actor": manager_subject, "at": {"from": today}}),
            Box::new(|e: &Value| {
                e["entityType"] == "Account" && e["actor"] == manager_subject.as_str()
            }),
            "all three together",
        ),
        (
            json!({"entityId": mine, "entityType": "Account"}),
            Box::new(|e: &Value| {
                e["entityType"] == "Account" && e["actor"] == manager_subject.as_str()
            }),
            "entity id and its own type",
        ),
        (
            json!({"entityId": mine, "entityType": "Contact"}),
            Box::new(|_| false),
            "an id of another type than entityType matches nothing",
        ),
        (
            json!({"entityId": other, "actor": manager_subject}),
            Box::new(|_| false),
            "someone else's account, not changed by this actor",
        ),
    ];
    for (filter, keep, why) in cases {
        let want: Vec<Value> = entries(&all).into_iter().filter(|e| keep(e)).collect();
        let res = app.gql(LOG, json!({"filter": filter})).await.ok();
        assert_eq!(entries(&res), want, "{why}: {filter}");
        assert_eq!(
            res.data("/auditLog/totalCount").as_u64(),
            Some(want.len() as u64),
            "{why}"
        );
    }
    // The filters really narrow: each kind of entry exists.
    assert!(entries(&all).iter().any(|e| e["entityType"] == "Contact"));
    assert!(
        entries(&all)
            .iter()
            .any(|e| e["actor"] == manager_subject.as_str())
    );
    assert!(
        entries(&all)
            .iter()
            .any(|e| e["actor"] != manager_subject.as_str())
    );
}

#[tokio::test]
async fn bad_audit_filters_are_refused_naming_the_input_field() {
    let app = spawn_app().await;
    for (filter, field) in [
        (
            json!({"at": {"from": "2027-01-02", "to": "2027-01-01"}}),
            "filter.at.from",
        ),
        (json!({"at": {"to": "yesterday"}}), "filter.at.to"),
        (json!({"entityType": "Invoice"}), "filter.entityType"),
        (json!({"entityId": "nope"}), "filter.entityId"),
    ] {
        let res = app.gql(LOG, json!({"filter": filter})).await;
        refused(&res, field);
    }
}
