//! The notification inbox, through the week of issue 12: who hears of an approval waiting,
//! a breach escalated to the admins, notice deadlines and an overdue review, a partner
//! referral and a disabled webhook endpoint; unread counts, marking read, and what the
//! scheduler's audit entry says. Events reach the inbox by handing the outbox to the inbox
//! outlet, as the relay does.

use chrono::{Days, NaiveDate, TimeZone, Utc};
use rapport_api::events::inbox::{inbox_outlet, replay_outbox};
use rapport_api::global_id::{self, Kind};
use rapport_api::service::run_scheduler;
use rapport_api::store::OutboxRecord;
use rapport_tests::{TestApp, calendar, measurement, metric, sections_with, spawn_app};
use serde_json::{Value, json};

/// Hands every outbox event to the inbox outlet, as the relay does; running it again must
/// write nothing twice.
async fn publish(app: &TestApp) {
    replay_outbox(&app.store, &*inbox_outlet(), 100)
        .await
        .expect("publish to the inbox");
}

const INBOX: &str = "query($unread: Boolean, $after: String, $first: Int) { viewer {
  unreadNotificationCount
  notifications(unreadOnly: $unread, first: $first, after: $after) {
    edges { cursor node { id kind title body subjectId readAt subject { id } } }
    pageInfo { hasNextPage endCursor }
  }
} }";

/// (unread count, notifications newest first) of the caller with `token`.
async fn inbox(app: &TestApp, token: &str) -> (i64, Vec<Value>) {
    let res = app
        .gql_as(Some(token), INBOX, json!({"first": 50}))
        .await
        .ok();
    let count = res
        .data("/viewer/unreadNotificationCount")
        .as_i64()
        .expect("count");
    let nodes = res
        .data("/viewer/notifications/edges")
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    (count, nodes)
}

/// (kind, subjectId) of each notification.
fn kinds(nodes: &[Value]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = nodes
        .iter()
        .map(|n| {
            (
                n["kind"].as_str().expect("kind").to_owned(),
                n["subjectId"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

fn pair(kind: &str, subject: &str) -> (String, String) {
    (kind.to_owned(), subject.to_owned())
}

fn at(date: NaiveDate) -> chrono::DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_hms_opt(6, 0, 0).expect("time"))
}

async fn mark(app: &TestApp, token: &str, input: Value) -> rapport_tests::Gql {
    app.gql_as(
        Some(token),
        "mutation($input: MarkNotificationsReadInput!) { markNotificationsRead(input: $input) { marked unreadCount } }",
        json!({"input": input}),
    )
    .await
}

/// Writes an event to the outbox as the change that causes it does (for the event types
/// another part of Rapport writes: a partner referral, a disabled endpoint).
async fn write_event(
    app: &TestApp,
    event_type: &'static str,
    entity: (&'static str, i64),
    account: Option<i64>,
    data: Value,
) {
    let tx = app.store.begin().await.expect("tx");
    tx.outbox(OutboxRecord {
        event_type,
        entity_type: entity.0,
        entity_id: entity.1.to_string(),
        payload: data,
        at: Utc::now(),
        event_id: format!("evt_{}", uuid::Uuid::new_v4().simple()),
        version: 1,
        actor_kind: "system",
        actor_id: None,
        actor_subject: "test".to_owned(),
        account_id: account,
    })
    .await
    .expect("outbox");
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn a_submitted_agreement_waits_for_the_other_admins_and_not_for_its_author() {
    let app = spawn_app().await;
    let author = app.admin_token.clone();
    let (_, other_admin) = app.member("ADMIN").await;
    let (inactive_id, _) = app.member("ADMIN").await;
    app.gql(
        "mutation($id: ID!) { updateTeamMember(input: {teamMemberId: $id, active: false, expectedVersion: 1}) { teamMember { active } } }",
        json!({"id": inactive_id}),
    )
    .await
    .ok();
    let (account, (_, manager)) = app.client_account("Acme").await;
    let draft = app
        .draft_agreement(&author, &account, rapport_tests::complete_sections())
        .await
        .ok();
    let agreement = draft
        .data("/createAgreementDraft/agreement/id")
        .as_str()
        .expect("id")
        .to_owned();
    app.agreement_action(&author, "submitAgreement", &agreement, 1)
        .await
        .ok();
    publish(&app).await;
    publish(&app).await;

    let (count, nodes) = inbox(&app, &other_admin).await;
    assert_eq!(count, 1, "{nodes:?}");
    assert_eq!(kinds(&nodes), [pair("APPROVAL_WAITING", &agreement)]);
    assert_eq!(nodes[0]["subject"]["id"], agreement.as_str());
    assert_eq!(
        nodes[0]["title"],
        "Agreement waiting for approval: Managed support"
    );
    assert!(nodes[0]["readAt"].is_null());
    assert_eq!(inbox(&app, &author).await.0, 0, "not the author");
    assert_eq!(inbox(&app, &manager).await.0, 0, "not a manager");
    let inactive_rows = app.store.count_rows("notifications").await.expect("count");
    assert_eq!(inactive_rows, 1, "nothing for the inactive admin");
}

#[tokio::test]
async fn a_csat_breach_escalated_to_admin_reaches_the_admins_and_the_account_manager() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let sections = sections_with(
        vec![metric("csat", "SCORE", "AT_LEAST", "4.5", Some("4.7"))],
        vec![json!({"metricKey": "csat", "kind": "ESCALATION", "escalateTo": "ADMIN"})],
    );
    let fx = app.client_with_agreement("Initech", sections).await;
    let (_, agent) = app.member("SUPPORT_AGENT").await;
    publish(&app).await;
    app.record_measurements(
        &agent,
        &fx.agreement,
        json!([measurement("csat", "3.1", calendar().last_month)]),
    )
    .await
    .ok();
    publish(&app).await;

    for token in [&admin, &fx.approver.1] {
        let (_, nodes) = inbox(&app, token).await;
        let escalations: Vec<&Value> = nodes.iter().filter(|n| n["kind"] == "ESCALATION").collect();
        assert_eq!(escalations.len(), 1, "{nodes:?}");
        assert_eq!(escalations[0]["subjectId"], fx.agreement.as_str());
        assert!(
            escalations[0]["body"]
                .as_str()
                .is_some_and(|b| b.contains("escalates the breach to ADMIN")),
            "{}",
            escalations[0]
        );
        assert!(
            !nodes.iter().any(|n| n["kind"] == "METRIC_BREACHED"),
            "admins do not manage the account: {nodes:?}"
        );
    }
    let (count, nodes) = inbox(&app, &fx.manager.1).await;
    assert_eq!(
        kinds(&nodes),
        [pair("METRIC_BREACHED", &fx.agreement)],
        "{nodes:?}"
    );
    assert_eq!(count, 1);
    assert_eq!(
        inbox(&app, &agent).await.0,
        0,
        "the recorder is told nothing"
    );
}

#[tokio::test]
async fn notice_deadlines_and_an_overdue_review_reach_the_manager_and_the_audit_says_which() {
    let app = spawn_app().await;
    let fx = app
        .client_with_agreement("Globex", rapport_tests::complete_sections())
        .await;
    let cal = calendar();
    let cancel_by = cal.until - Days::new(30);
    // The review every 3 months from the start of last year is long overdue today.
    let first = run_scheduler(&app.store, at(cal.today)).await.expect("run");
    assert!(!first.reviews_due.is_empty(), "{first:?}");
    for days in [30, 7, 1] {
        run_scheduler(&app.store, at(cancel_by - Days::new(days)))
            .await
            .expect("run");
    }
    publish(&app).await;

    let (count, nodes) = inbox(&app, &fx.manager.1).await;
    let titles: Vec<&str> = nodes.iter().filter_map(|n| n["title"].as_str()).collect();
    assert_eq!(
        titles,
        [
            "Notice deadline in 1 day: Managed support",
            "Notice deadline in 7 days: Managed support",
            "Notice deadline in 30 days: Managed support",
            "Review overdue: Managed support",
        ],
        "newest first"
    );
    assert_eq!(count, 4);
    assert!(
        nodes[0]["body"]
            .as_str()
            .unwrap_or_default()
            .contains(&cancel_by.to_string())
    );
    assert_eq!(inbox(&app, &app.admin_token.clone()).await.0, 0);

    let audit = app
        .gql(
            "{ auditLog(first: 50, filter: {action: \"runScheduler\", entityType: \"Scheduler\"}) { nodes { actor after } } }",
            json!({}),
        )
        .await
        .ok();
    let rows = audit
        .data("/auditLog/nodes")
        .as_array()
        .expect("rows")
        .clone();
    assert_eq!(
        rows.len(),
        4,
        "one summary per run that did something: {rows:?}"
    );
    let summaries: Vec<Value> = rows
        .iter()
        .map(|r| serde_json::from_str(r["after"].as_str().expect("after")).expect("json"))
        .collect();
    let review = &summaries[0]["reviewsDue"][0];
    assert_eq!(review["agreementId"], fx.agreement.as_str());
    assert!(
        review["dueOn"]
            .as_str()
            .is_some_and(|d| d < cal.today.to_string().as_str())
    );
    let deadlines: Vec<(i64, String)> = summaries
        .iter()
        .flat_map(|s| s["noticeDeadlines"].as_array().cloned().unwrap_or_default())
        .map(|d| {
            assert_eq!(d["agreementId"], fx.agreement.as_str());
            (
                d["days"].as_i64().expect("days"),
                d["cancelBy"].as_str().expect("cancelBy").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        deadlines,
        [30, 7, 1].map(|d| (d, cancel_by.to_string())),
        "{summaries:?}"
    );
    assert_eq!(rows[0]["actor"], "scheduler");
    // A run with nothing to do writes no summary.
    run_scheduler(&app.store, at(cancel_by - Days::new(1)))
        .await
        .expect("run");
    let again = app
        .gql(
            "{ auditLog(first: 50, filter: {action: \"runScheduler\"}) { totalCount } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(again.data("/auditLog/totalCount"), 4);
}

#[tokio::test]
async fn a_partner_referral_reaches_the_admins_and_partners_have_no_inbox() {
    let app = spawn_app().await;
    let (_, second_admin) = app.member("ADMIN").await;
    let (_, manager) = app.member("ACCOUNT_MANAGER").await;
    let (_, partner) = app.partner("Resellers Ltd").await;
    let account = app
        .account_as(
            &partner,
            "Referred Co",
            json!({"acquisitionChannel": "PARTNER"}),
        )
        .await;
    // Creating the account wrote partner.referral_created.
    publish(&app).await;

    for admin in [app.admin_token.clone(), second_admin] {
        let (count, nodes) = inbox(&app, &admin).await;
        assert_eq!(kinds(&nodes), [pair("PARTNER_REFERRAL", &account)]);
        assert_eq!(nodes[0]["title"], "New partner referral: Referred Co");
        assert_eq!(count, 1);
    }
    assert_eq!(inbox(&app, &manager).await.0, 0);
    let (count, nodes) = inbox(&app, &partner).await;
    assert_eq!(
        (count, nodes.len()),
        (0, 0),
        "a partner reads an empty inbox"
    );
    let refused = mark(&app, &partner, json!({"all": true})).await;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{}", refused.body);
}

#[tokio::test]
async fn a_disabled_endpoint_reaches_its_owner_or_for_a_partners_endpoint_the_admins() {
    let app = spawn_app().await;
    let (owner_id, owner) = app.member("ACCOUNT_MANAGER").await;
    let (partner_id, _) = app.partner("Hooks Inc").await;
    let owner_raw = global_id::decode(Kind::TeamMember, &owner_id).expect("raw");
    let partner_raw = global_id::decode(Kind::Partner, &partner_id).expect("raw");
    let now = Utc::now().format("%Y-%m-%d %H:%M:%S%:z");
    for (id, member, partner, url) in [
        (1, Some(owner_raw), None, "https://hooks.example.com/staff"),
        (
            2,
            None,
            Some(partner_raw),
            "https://hooks.example.com/partner",
        ),
    ] {
        let opt = |v: Option<i64>| v.map_or("NULL".to_owned(), |v| v.to_string());
        app.store
            .execute_raw(&format!(
                "INSERT INTO webhook_endpoints (id, owner_member_id, partner_id, url, description, event_types, secret, enabled, version, created_by, created_at, updated_at) \
                 VALUES ({id}, {}, {}, '{url}', '', '[]', 'whsec_test', false, 1, 'test', '{now}', '{now}')",
                opt(member),
                opt(partner)
            ))
            .await
            .expect("endpoint");
        write_event(
            &app,
            "webhook.endpoint_disabled",
            ("WebhookEndpoint", id),
            None,
            json!({"reason": "failing for 3 days", "failingSince": "2026-12-04T00:00:00Z"}),
        )
        .await;
    }
    publish(&app).await;

    let (count, nodes) = inbox(&app, &owner).await;
    assert_eq!(count, 1, "{nodes:?}");
    assert_eq!(
        nodes[0]["title"],
        "Webhook endpoint disabled: https://hooks.example.com/staff"
    );
    assert!(
        nodes[0]["body"]
            .as_str()
            .unwrap_or_default()
            .contains("failing for 3 days")
    );
    assert!(nodes[0]["subject"].is_null(), "endpoints are not nodes");
    let (count, nodes) = inbox(&app, &app.admin_token.clone()).await;
    assert_eq!(count, 1, "{nodes:?}");
    assert_eq!(
        nodes[0]["title"],
        "Webhook endpoint disabled: https://hooks.example.com/partner"
    );
}

#[tokio::test]
async fn marking_read_counts_down_and_nobody_marks_another_members_notifications() {
    let app = spawn_app().await;
    let (_, reader) = app.member("ADMIN").await;
    let (_, other) = app.member("ADMIN").await;
    for name in ["One", "Two", "Three"] {
        let account = app
            .account_as(&app.admin_token.clone(), name, json!({}))
            .await;
        let raw = global_id::decode(Kind::Account, &account).expect("raw");
        write_event(
            &app,
            "partner.referral_created",
            ("Account", raw),
            Some(raw),
            json!({}),
        )
        .await;
    }
    publish(&app).await;
    let (count, nodes) = inbox(&app, &reader).await;
    assert_eq!(count, 3);
    let ids: Vec<String> = nodes
        .iter()
        .map(|n| n["id"].as_str().expect("id").to_owned())
        .collect();

    // Pages: newest first, after a cursor.
    let page = app
        .gql_as(Some(&reader), INBOX, json!({"first": 2}))
        .await
        .ok();
    assert_eq!(
        page.data("/viewer/notifications/pageInfo/hasNextPage"),
        true
    );
    let cursor = page
        .data("/viewer/notifications/pageInfo/endCursor")
        .clone();
    let rest = app
        .gql_as(Some(&reader), INBOX, json!({"first": 2, "after": cursor}))
        .await
        .ok();
    assert_eq!(
        rest.data("/viewer/notifications/edges/0/node/id"),
        ids[2].as_str()
    );
    assert_eq!(
        rest.data("/viewer/notifications/pageInfo/hasNextPage"),
        false
    );

    // A notification is a node its member alone can read.
    let node = "query($id: ID!) { node(id: $id) { id ... on Notification { kind } } }";
    let own = app
        .gql_as(Some(&reader), node, json!({"id": ids[0]}))
        .await
        .ok();
    assert_eq!(own.data("/node/kind"), "PARTNER_REFERRAL");
    let theirs = app.gql_as(Some(&other), node, json!({"id": ids[0]})).await;
    assert_eq!(theirs.error_code(), Some("NOT_FOUND"), "{}", theirs.body);

    let stolen = mark(&app, &other, json!({"ids": [ids[0]]})).await;
    assert_eq!(stolen.error_code(), Some("NOT_FOUND"), "{}", stolen.body);
    let mixed = mark(
        &app,
        &reader,
        json!({"ids": [ids[0], inbox(&app, &other).await.1[0]["id"]]}),
    )
    .await;
    assert_eq!(mixed.error_code(), Some("NOT_FOUND"), "{}", mixed.body);
    assert_eq!(inbox(&app, &reader).await.0, 3, "nothing marked");

    for (input, field) in [
        (json!({}), "ids"),
        (json!({"ids": []}), "ids"),
        (json!({"ids": [ids[0]], "all": true}), "all"),
        (json!({"ids": ["not-an-id"]}), "ids[0]"),
        (
            json!({"ids": [global_id::encode(Kind::Account, 1)]}),
            "ids[0]",
        ),
    ] {
        let bad = mark(&app, &reader, input.clone()).await;
        assert_eq!(
            bad.error_code(),
            Some("BAD_USER_INPUT"),
            "{input}: {}",
            bad.body
        );
        assert_eq!(bad.error_field(), Some(field), "{input}");
    }

    let one = mark(&app, &reader, json!({"ids": [ids[0], ids[0]]}))
        .await
        .ok();
    assert_eq!(
        one.data("/markNotificationsRead"),
        &json!({"marked": 1, "unreadCount": 2})
    );
    let unread = app
        .gql_as(Some(&reader), INBOX, json!({"first": 10, "unread": true}))
        .await
        .ok();
    assert_eq!(
        unread
            .data("/viewer/notifications/edges")
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    let again = mark(&app, &reader, json!({"ids": [ids[0]]})).await.ok();
    assert_eq!(
        again.data("/markNotificationsRead/marked"),
        0,
        "already read"
    );
    let all = mark(&app, &reader, json!({"all": true})).await.ok();
    assert_eq!(
        all.data("/markNotificationsRead"),
        &json!({"marked": 2, "unreadCount": 0})
    );
    let (count, nodes) = inbox(&app, &reader).await;
    assert_eq!(count, 0);
    assert!(nodes.iter().all(|n| n["readAt"].is_string()));
    assert_eq!(
        inbox(&app, &other).await.0,
        3,
        "the other member's inbox is untouched"
    );
}
