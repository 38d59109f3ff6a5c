//! Termination against the notice period and termination rights, and reviews.

use chrono::{Days, Months};
use rapport_tests::{
    calendar, complete_sections, credit_rule, frt_metric, measurement, sections_with, spawn_app,
};
use serde_json::json;

use super::common::*;

#[tokio::test]
async fn termination_respects_the_notice_period_and_for_cause_needs_a_termination_right() {
    let app = spawn_app().await;
    let cal = calendar();
    let fx = app
        .client_with_agreement("Leaving Co", complete_sections())
        .await;
    let terminate = |agreement: &str, version: i64, kind: &str, on: chrono::NaiveDate| {
        app.gql(
            TERMINATE,
            json!({"input": {
                "agreementId": agreement, "expectedVersion": version, "kind": kind,
                "reason": "the client is moving on", "effectiveOn": on.to_string(),
            }}),
        )
    };
    let earliest = cal.today + Days::new(30);

    let before = app.table_counts().await;
    let early = terminate(
        &fx.agreement,
        fx.version,
        "CONVENIENCE",
        earliest - Days::new(1),
    )
    .await;
    assert_code(&early, "BAD_USER_INPUT", "too early");
    assert_eq!(early.error_field(), Some("effectiveOn"), "{}", early.body);
    assert!(
        message(&early).contains(&earliest.to_string()),
        "the refusal gives the earliest date {earliest}: {}",
        early.body
    );
    let for_cause = terminate(&fx.agreement, fx.version, "FOR_CAUSE", cal.today).await;
    assert_transition(&for_cause, "ACTIVE", "for cause without a right");
    assert!(
        message(&for_cause).contains("right to terminate"),
        "{}",
        for_cause.body
    );
    assert_eq!(app.table_counts().await, before, "refusals write nothing");

    let noticed = terminate(&fx.agreement, fx.version, "CONVENIENCE", earliest)
        .await
        .ok();
    let a = noticed.data("/terminateAgreement/agreement");
    assert_eq!(a["status"], "ACTIVE", "in force until the effective date");
    assert_eq!(
        a["termination"],
        json!({"kind": "CONVENIENCE", "effectiveOn": earliest.to_string(),
               "reason": "the client is moving on", "by": "bootstrap-admin"})
    );
    assert!(
        outbox(&app, &fx.agreement)
            .await
            .contains(&"agreement.termination_notice_given".to_owned())
    );

    // With a termination right after one breach in one period, a breach opens the door.
    let sections = sections_with(
        vec![frt_metric()],
        vec![
            credit_rule("frt", "5"),
            json!({"metricKey": "frt", "kind": "TERMINATION_RIGHT", "breachesToTerminate": 1, "withinPeriods": 1}),
        ],
    );
    let breached = app.client_with_agreement("Breached Co", sections).await;
    let early = terminate(
        &breached.agreement,
        breached.version,
        "FOR_CAUSE",
        cal.today,
    )
    .await;
    assert_transition(&early, "ACTIVE", "for cause before any breach");
    app.record_measurements(
        &app.admin_token.clone(),
        &breached.agreement,
        json!([measurement("frt", "120", chrono::Utc::now())]),
    )
    .await
    .ok();
    let ended = terminate(
        &breached.agreement,
        breached.version,
        "FOR_CAUSE",
        cal.today,
    )
    .await
    .ok();
    let a = ended.data("/terminateAgreement/agreement");
    assert_eq!(a["status"], "TERMINATED", "{}", ended.body);
    assert_eq!(a["termination"]["kind"], "FOR_CAUSE");
    assert_eq!(a["termination"]["effectiveOn"], cal.today.to_string());
    assert!(
        outbox(&app, &breached.agreement)
            .await
            .contains(&"agreement.terminated".to_owned())
    );
}

// ------------------------------------------------------------------------------ reviews

#[tokio::test]
async fn a_review_puts_the_agreement_under_review_and_continuing_moves_the_next_review() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let cal = calendar();
    let fx = app
        .client_with_agreement("Reviewed Co", complete_sections())
        .await;

    let read = detail(&app, &fx.agreement).await;
    assert_eq!(
        read.data("/agreement/reviewAndTermination/nextReviewOn"),
        &json!((cal.from + Months::new(3)).to_string()),
        "before any review: the start plus the cadence"
    );

    let started = app
        .agreement_action(&admin, "startReview", &fx.agreement, fx.version)
        .await
        .ok();
    assert_eq!(started.data("/agreement/status"), "UNDER_REVIEW");
    let version = started.data("/agreement/version").as_i64().expect("v");

    let done = app
        .gql(
            COMPLETE_REVIEW,
            json!({"input": {"agreementId": fx.agreement, "expectedVersion": version,
                             "outcome": "CONTINUE", "notes": "All targets met"}}),
        )
        .await
        .ok();
    let a = done.data("/completeReview/agreement");
    assert_eq!(a["status"], "ACTIVE");
    assert_eq!(
        a["reviews"],
        json!([{"heldOn": cal.today.to_string(), "outcome": "CONTINUE",
                "notes": "All targets met", "heldBy": "bootstrap-admin"}])
    );
    assert_eq!(
        a["reviewAndTermination"]["nextReviewOn"],
        (cal.today + Months::new(3)).to_string(),
        "after a review: the review day plus the cadence"
    );
    let events = outbox(&app, &fx.agreement).await;
    assert!(events.contains(&"agreement.review_started".to_owned()));
    assert!(events.contains(&"agreement.review_completed".to_owned()));
}
