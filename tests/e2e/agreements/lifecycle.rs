//! Drafting, submission and four-eyes approval, and the transitions that are refused.

use chrono::Days;
use rapport_tests::{
    calendar, complete_sections, credit_rule, measurement, metric, sections_with, spawn_app,
};
use serde_json::{Value, json};

use super::common::*;

#[tokio::test]
async fn a_complete_draft_is_submitted_refused_to_its_author_and_activated_by_a_second_admin() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let cal = calendar();
    let (account, _) = app.client_account("Acme Support").await;

    let draft = app
        .draft_agreement(&admin, &account, complete_sections())
        .await
        .ok();
    let id = draft
        .data("/createAgreementDraft/agreement/id")
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(
        draft.data("/createAgreementDraft/agreement/status"),
        "DRAFT"
    );
    assert_eq!(draft.data("/createAgreementDraft/agreement/version"), 1);
    assert_eq!(draft.data("/createAgreementDraft/agreement/revision"), 1);
    assert_eq!(
        draft.data("/createAgreementDraft/agreement/createdBy"),
        "bootstrap-admin"
    );

    // All five sections come back as written, money exact.
    let read = detail(&app, &id).await;
    let a = read.data("/agreement");
    assert_eq!(a["summary"]["title"], "Managed support");
    assert_eq!(a["summary"]["effectiveFrom"], cal.from.to_string());
    assert_eq!(a["summary"]["effectiveUntil"], cal.until.to_string());
    assert_eq!(
        a["summary"]["fee"],
        json!({"amount": "3000.00", "currency": "EUR"})
    );
    assert_eq!(a["summary"]["billingCadence"], "MONTHLY");
    assert_eq!(a["terms"]["clauses"][1]["heading"], "Payment");
    assert_eq!(a["terms"]["paymentTermsDays"], 30);
    assert_eq!(a["performance"]["metrics"][0]["key"], "frt");
    assert_eq!(a["performance"]["metrics"][0]["target"], "60");
    assert_eq!(a["performance"]["metrics"][0]["warningThreshold"], "45");
    assert_eq!(a["performance"]["metrics"][1]["comparator"], "AT_LEAST");
    assert_eq!(
        a["consequences"][0]["tiers"],
        json!([{"missedByPercentAtLeast": "50", "creditPercent": "10"}])
    );
    assert_eq!(a["consequences"][1]["escalateTo"], "ACCOUNT_MANAGER");
    let rt = &a["reviewAndTermination"];
    assert_eq!(rt["noticePeriodDays"], 30);
    assert_eq!(
        rt["cancelBy"],
        (cal.until - Days::new(30)).to_string(),
        "cancelBy is the end of the term minus the notice period"
    );

    let submitted = app
        .agreement_action(&admin, "submitAgreement", &id, 1)
        .await
        .ok();
    assert_eq!(submitted.data("/agreement/status"), "PENDING_APPROVAL");
    assert_eq!(submitted.data("/agreement/version"), 2);

    let before = app.table_counts().await;
    let own = app
        .agreement_action(&admin, "approveAgreement", &id, 2)
        .await;
    assert_transition(&own, "PENDING_APPROVAL", "the author approving");
    assert!(message(&own).contains("four-eyes"), "{}", own.body);
    assert_eq!(app.table_counts().await, before, "a refusal writes nothing");

    let (_, approver_token) = app.member("ADMIN").await;
    let approver = app.subject_of(&approver_token).await;
    let approved = app
        .agreement_action(&approver_token, "approveAgreement", &id, 2)
        .await
        .ok();
    assert_eq!(approved.data("/agreement/status"), "ACTIVE");
    assert_eq!(approved.data("/agreement/version"), 3);
    assert_eq!(approved.data("/agreement/revision"), 1);
    assert_eq!(approved.data("/agreement/approvedBy"), approver.as_str());
    assert_eq!(approved.data("/agreement/createdBy"), "bootstrap-admin");

    let read = detail(&app, &id).await;
    assert_eq!(
        read.data("/agreement/revisions"),
        &json!([{
            "revision": 1,
            "status": "APPROVED",
            "createdBy": "bootstrap-admin",
            "approvedBy": approver,
            "inForceFrom": cal.from.to_string(),
            "changeNote": null,
        }])
    );
    assert_eq!(
        read.data("/agreement/reviewAndTermination/termEnd"),
        &json!(cal.until.to_string())
    );

    let events = outbox(&app, &id).await;
    assert_eq!(
        events,
        [
            "agreement.drafted",
            "agreement.submitted",
            "agreement.approved",
            "agreement.activated"
        ],
        "every step wrote its event"
    );
}

#[tokio::test]
async fn submitting_an_incomplete_and_incoherent_draft_lists_every_problem_and_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let cal = calendar();
    let (account, _) = app.client_account("Half Written").await;

    // No terms; a consequence naming a metric that does not exist; a warning threshold above
    // the target of an AT_MOST metric; a ten-day term with thirty days' notice.
    let mut sections = sections_with(
        vec![metric("frt", "MINUTES", "AT_MOST", "60", Some("75"))],
        vec![credit_rule("frt", "5"), credit_rule("nps", "5")],
    );
    sections["terms"] = Value::Null;
    sections["summary"]["effectiveUntil"] = json!((cal.from + Days::new(9)).to_string());
    sections["reviewAndTermination"]["autoRenew"] = json!(false);
    let id = app
        .draft_agreement(&admin, &account, sections.clone())
        .await
        .ok()
        .data("/createAgreementDraft/agreement/id")
        .as_str()
        .expect("id")
        .to_owned();

    let before = app.table_counts().await;
    let refused = app
        .agreement_action(&admin, "submitAgreement", &id, 1)
        .await;
    assert_code(&refused, "BAD_USER_INPUT", "an incomplete draft");
    let text = message(&refused);
    for expected in [
        "terms: the terms of service section is missing",
        "performance.metrics[0].warningThreshold: must be below the target (60)",
        "consequences[1].metricKey: no metric `nps`",
        "reviewAndTermination.noticePeriodDays: must be shorter than the term (10 days)",
    ] {
        assert!(
            text.contains(expected),
            "the refusal mentions `{expected}`: {text}"
        );
    }
    assert_eq!(refused.error_field(), Some("terms"), "{}", refused.body);
    assert_eq!(app.table_counts().await, before, "a refusal writes nothing");

    // Dates out of order are reported too (the notice rule needs dates in order, so it is
    // shown on its own).
    sections["summary"]["effectiveUntil"] = json!((cal.from - Days::new(1)).to_string());
    app.gql(
        UPDATE_DRAFT,
        json!({"input": {"agreementId": id, "expectedVersion": 1, "sections": sections}}),
    )
    .await
    .ok();
    let before = app.table_counts().await;
    let refused = app
        .agreement_action(&admin, "submitAgreement", &id, 2)
        .await;
    assert_code(&refused, "BAD_USER_INPUT", "dates out of order");
    let text = message(&refused);
    for expected in [
        "terms: the terms of service section is missing",
        &format!(
            "summary.effectiveUntil: must be on or after effectiveFrom ({})",
            cal.from
        ),
        "consequences[1].metricKey",
        "performance.metrics[0].warningThreshold",
    ] {
        assert!(
            text.contains(expected),
            "the refusal mentions `{expected}`: {text}"
        );
    }
    assert_eq!(app.table_counts().await, before, "a refusal writes nothing");

    let read = detail(&app, &id).await;
    assert_eq!(read.data("/agreement/status"), "DRAFT");
    assert_eq!(read.data("/agreement/version"), 2);
    assert_eq!(
        outbox(&app, &id).await,
        ["agreement.drafted", "agreement.draft_updated"]
    );
}

#[tokio::test]
async fn every_illegal_transition_answers_invalid_transition_naming_the_current_state() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let cal = calendar();
    let (account, _) = app.client_account("Strict Lifecycle").await;
    let id = app
        .draft_agreement(&admin, &account, complete_sections())
        .await
        .ok()
        .data("/createAgreementDraft/agreement/id")
        .as_str()
        .expect("id")
        .to_owned();
    let (_, approver) = app.member("ADMIN").await;

    let terminate = |version: i64| {
        app.gql(
            TERMINATE,
            json!({"input": {
                "agreementId": id, "expectedVersion": version, "kind": "CONVENIENCE",
                "reason": "no longer needed",
                "effectiveOn": (cal.today + Days::new(60)).to_string(),
            }}),
        )
    };
    let amend = |version: i64| {
        app.gql(
            PROPOSE_AMENDMENT,
            json!({"input": {"agreementId": id, "expectedVersion": version, "sections": complete_sections()}}),
        )
    };
    let complete = |version: i64| {
        app.gql(
            COMPLETE_REVIEW,
            json!({"input": {"agreementId": id, "expectedVersion": version, "outcome": "CONTINUE"}}),
        )
    };

    let before = app.table_counts().await;
    for mutation in [
        "approveAgreement",
        "rejectAgreement",
        "startReview",
        "renewAgreement",
    ] {
        let res = app.agreement_action(&approver, mutation, &id, 1).await;
        assert_transition(&res, "DRAFT", &format!("{mutation} on a draft"));
    }
    assert_transition(&terminate(1).await, "DRAFT", "terminating a draft");
    assert_transition(&amend(1).await, "DRAFT", "amending a draft");
    assert_transition(
        &complete(1).await,
        "DRAFT",
        "completing a review of a draft",
    );
    let measured = app
        .record_measurements(
            &admin,
            &id,
            json!([measurement("frt", "30", chrono::Utc::now())]),
        )
        .await;
    assert_transition(&measured, "DRAFT", "measuring a draft");
    assert_eq!(app.table_counts().await, before, "refusals write nothing");

    app.agreement_action(&admin, "submitAgreement", &id, 1)
        .await
        .ok();
    let before = app.table_counts().await;
    let res = app
        .gql(
            UPDATE_DRAFT,
            json!({"input": {"agreementId": id, "expectedVersion": 2, "sections": complete_sections()}}),
        )
        .await;
    assert_transition(&res, "PENDING_APPROVAL", "editing a submitted draft");
    for mutation in ["submitAgreement", "startReview", "renewAgreement"] {
        let res = app.agreement_action(&approver, mutation, &id, 2).await;
        assert_transition(
            &res,
            "PENDING_APPROVAL",
            &format!("{mutation} when pending"),
        );
    }
    assert_transition(&amend(2).await, "PENDING_APPROVAL", "amending when pending");
    assert_eq!(app.table_counts().await, before, "refusals write nothing");

    app.agreement_action(&approver, "approveAgreement", &id, 2)
        .await
        .ok();
    let before = app.table_counts().await;
    for mutation in ["submitAgreement", "approveAgreement", "rejectAgreement"] {
        let res = app.agreement_action(&approver, mutation, &id, 3).await;
        assert_transition(&res, "ACTIVE", &format!("{mutation} when active"));
    }
    assert_transition(
        &complete(3).await,
        "ACTIVE",
        "completing a review never started",
    );
    let res = app
        .gql(
            UPDATE_DRAFT,
            json!({"input": {"agreementId": id, "expectedVersion": 3, "sections": complete_sections()}}),
        )
        .await;
    assert_transition(&res, "ACTIVE", "editing an active agreement as a draft");
    assert_eq!(app.table_counts().await, before, "refusals write nothing");

    app.agreement_action(&admin, "startReview", &id, 3)
        .await
        .ok();
    let res = app.agreement_action(&admin, "startReview", &id, 4).await;
    assert_transition(&res, "UNDER_REVIEW", "a second review at once");

    assert_eq!(
        app.agreement_version(&id).await,
        4,
        "no refusal moved the version"
    );
}
