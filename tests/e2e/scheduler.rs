//! The time-driven transitions: a step tests call with a clock of their choosing, which the
//! server also runs periodically. Running it twice for the same day writes nothing twice.

use chrono::{Datelike, Days, Months, NaiveDate, TimeZone, Utc};
use rapport_api::global_id::{self, Kind};
use rapport_api::service::run_scheduler;
use rapport_tests::spawn_app;
use serde_json::json;

fn at(date: NaiveDate) -> chrono::DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_hms_opt(6, 0, 0).expect("time"))
}

#[tokio::test]
async fn the_scheduler_announces_reviews_and_notice_deadlines_once_and_expires_the_agreement_at_its_end()
 {
    let app = spawn_app().await;
    let today = Utc::now().date_naive();
    let start = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).expect("first of month");
    let end = start + Months::new(12) - Days::new(1);
    let account = app
        .account_as(&app.admin_token.clone(), "Acme", json!({}))
        .await;
    let id = app
        .gql(
            "mutation($input: CreateAgreementDraftInput!) { createAgreementDraft(input: $input) { agreement { id } } }",
            json!({"input": {"accountId": account, "sections": {
                "summary": {"title": "Retainer", "purpose": "Support", "effectiveFrom": start.to_string(),
                    "effectiveUntil": end.to_string(), "fee": {"amount": "1000.00", "currency": "EUR"}, "billingCadence": "MONTHLY"},
                "terms": {"clauses": [{"heading": "Scope", "body": "Helpdesk"}]},
                "performance": {"metrics": [{"key": "uptime", "name": "Uptime", "kind": "UPTIME", "unit": "PERCENT",
                    "comparator": "AT_LEAST", "target": "99.5", "period": "MONTHLY", "calculation": "AVERAGE"}]},
                "consequences": [{"metricKey": "uptime", "kind": "SERVICE_CREDIT", "creditPercent": "5"}],
                "reviewAndTermination": {"reviewEveryMonths": 3, "autoRenew": false, "noticePeriodDays": 30}}}}),
        )
        .await
        .ok()
        .data("/createAgreementDraft/agreement/id")
        .as_str()
        .expect("id")
        .to_owned();
    app.gql(
        "mutation($id: ID!) { submitAgreement(input: {agreementId: $id, expectedVersion: 1}) { agreement { status } } }",
        json!({"id": id}),
    )
    .await
    .ok();
    let (_, approver) = app.member("ADMIN").await;
    app.gql_as(
        Some(&approver),
        "mutation($id: ID!) { approveAgreement(input: {agreementId: $id, expectedVersion: 2}) { agreement { status } } }",
        json!({"id": id}),
    )
    .await
    .ok();
    let raw = global_id::decode(Kind::Agreement, &id).expect("raw id");
    let events = || async {
        app.store
            .outbox_events_for("Agreement", raw)
            .await
            .expect("outbox")
    };
    let count = |all: &[String], kind: &str| all.iter().filter(|e| *e == kind).count();

    let review_due = start + Months::new(3);
    let first = run_scheduler(&app.store, at(review_due))
        .await
        .expect("run");
    assert!(first.events >= 1, "{first:?}");
    let again = run_scheduler(&app.store, at(review_due))
        .await
        .expect("run");
    assert_eq!(
        again.events, 0,
        "a second run on the same day announces nothing"
    );
    assert_eq!(count(&events().await, "agreement.review_due"), 1);

    let cancel_by = end - Days::new(30);
    for day in [
        cancel_by - Days::new(30),
        cancel_by - Days::new(7),
        cancel_by - Days::new(1),
    ] {
        run_scheduler(&app.store, at(day)).await.expect("run");
        run_scheduler(&app.store, at(day)).await.expect("run twice");
    }
    assert_eq!(
        count(&events().await, "agreement.notice_deadline_approaching"),
        3,
        "30, 7 and 1 days before cancelBy, once each: {:?}",
        events().await
    );

    run_scheduler(&app.store, at(end + Days::new(1)))
        .await
        .expect("run");
    run_scheduler(&app.store, at(end + Days::new(1)))
        .await
        .expect("run twice");
    let status = app
        .gql(
            "query($id: ID!) { agreement(id: $id) { status } }",
            json!({"id": id}),
        )
        .await
        .ok();
    assert_eq!(status.data("/agreement/status"), "EXPIRED");
    assert_eq!(count(&events().await, "agreement.expired"), 1);
}

#[tokio::test]
async fn a_scheduler_run_skips_its_turn_while_another_process_of_the_fleet_holds_the_lock() {
    let app = spawn_app().await;
    let held = app
        .store
        .try_lock_scheduler()
        .await
        .expect("the lock query")
        .expect("nobody else holds the lock");
    let meanwhile = run_scheduler(&app.store, Utc::now()).await.expect("run");
    if app.backend == "postgres" {
        assert!(
            meanwhile.skipped,
            "PostgreSQL: one process runs the scheduler at a time: {meanwhile:?}"
        );
        assert!(
            app.store
                .try_lock_scheduler()
                .await
                .expect("the lock query")
                .is_none(),
            "the lock is not taken twice"
        );
    } else {
        assert!(
            !meanwhile.skipped,
            "SQLite has no advisory lock: every write takes the single write lock"
        );
    }
    held.release().await.expect("release");
    let after = run_scheduler(&app.store, Utc::now()).await.expect("run");
    assert!(!after.skipped, "released, the next run goes ahead");
}
