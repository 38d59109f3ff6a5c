//! Formal agreements through GraphQL: drafting, submission, four-eyes approval, amendments
//! with compliance judged by the revision in force, the demotion rule, termination, reviews,
//! permissions, concurrency and statement counts.

use chrono::{Days, Months};
use rapport_api::global_id::{self, Kind};
use rapport_tests::{
    Gql, TestApp, calendar, complete_sections, credit_rule, frt_metric, measurement, metric,
    sections_with, spawn_app, spawn_app_with,
};
use serde_json::{Value, json};

const AGREEMENT_DETAIL: &str = "query($id: ID!) {
  agreement(id: $id) {
    id status version revision createdBy approvedBy
    revisions { revision status createdBy approvedBy inForceFrom changeNote }
    summary { title purpose effectiveFrom effectiveUntil fee { amount currency } billingCadence ourSignatory theirSignatory }
    terms { clauses { heading body } scopeItems paymentTermsDays }
    performance { metrics { key name kind unit comparator target warningThreshold period calculation } }
    consequences { metricKey kind creditPercent tiers { missedByPercentAtLeast creditPercent } escalateTo }
    reviewAndTermination { reviewEveryMonths nextReviewOn autoRenew renewalTermMonths noticePeriodDays cancelBy termEnd terminationConditions }
    reviews { heldOn outcome notes heldBy }
    termination { kind effectiveOn reason by }
  }
}";

const UPDATE_DRAFT: &str = "mutation($input: UpdateAgreementDraftInput!) {
  updateAgreementDraft(input: $input) { agreement { id status version summary { title } } }
}";

const PROPOSE_AMENDMENT: &str = "mutation($input: ProposeAmendmentInput!) {
  proposeAmendment(input: $input) { agreement { id status version revision revisions { revision status } } }
}";

const COMPLETE_REVIEW: &str = "mutation($input: CompleteReviewInput!) {
  completeReview(input: $input) {
    agreement { status version reviews { heldOn outcome notes heldBy } reviewAndTermination { nextReviewOn } }
  }
}";

const TERMINATE: &str = "mutation($input: TerminateAgreementInput!) {
  terminateAgreement(input: $input) {
    agreement { status version termination { kind effectiveOn reason by } }
  }
}";

const COMPLIANCE: &str = "query($id: ID!, $period: Date) {
  agreement(id: $id) {
    compliance(period: $period) {
      overall periodStart periodEnd
      metrics { metricKey status observed target measurementCount }
    }
  }
}";

fn raw_id(id: &str) -> i64 {
    global_id::decode(Kind::Agreement, id).expect("an Agreement id")
}

fn message(res: &Gql) -> &str {
    res.body
        .pointer("/errors/0/message")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn current(res: &Gql) -> Option<&str> {
    res.body
        .pointer("/errors/0/extensions/current")
        .and_then(Value::as_str)
}

fn assert_code(res: &Gql, code: &str, what: &str) {
    assert_eq!(res.error_code(), Some(code), "{what}: {}", res.body);
}

/// Asserts INVALID_TRANSITION naming `state` as the current one, in extensions and message.
fn assert_transition(res: &Gql, state: &str, what: &str) {
    assert_code(res, "INVALID_TRANSITION", what);
    assert_eq!(current(res), Some(state), "{what}: {}", res.body);
    assert!(
        message(res).contains(state),
        "{what}: the message names {state}: {}",
        res.body
    );
}

async fn detail(app: &TestApp, id: &str) -> Gql {
    app.gql(AGREEMENT_DETAIL, json!({"id": id})).await.ok()
}

async fn outbox(app: &TestApp, id: &str) -> Vec<String> {
    app.store
        .outbox_events_for("Agreement", raw_id(id))
        .await
        .expect("outbox")
}

async fn compliance(app: &TestApp, id: &str, period: chrono::NaiveDate) -> Gql {
    app.gql(COMPLIANCE, json!({"id": id, "period": period.to_string()}))
        .await
        .ok()
}

/// The compliance entry of `key` in a [`COMPLIANCE`] answer.
fn metric_entry<'a>(res: &'a Gql, key: &str) -> &'a Value {
    res.data("/agreement/compliance/metrics")
        .as_array()
        .and_then(|ms| ms.iter().find(|m| m["metricKey"] == key))
        .unwrap_or_else(|| panic!("no compliance of {key}: {}", res.body))
}

// ------------------------------------------------------------------------------ lifecycle

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

// ------------------------------------------------------------------------------ amendments

#[tokio::test]
async fn an_amended_target_judges_later_periods_while_earlier_ones_keep_the_old_one() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let cal = calendar();
    let fx = app
        .client_with_agreement("Amended Co", complete_sections())
        .await;
    let (approver, approver_token) = fx.approver.clone();

    // 50 minutes last month: under the original target of 60 (at risk from 45).
    app.record_measurements(
        &admin,
        &fx.agreement,
        json!([measurement("frt", "50", cal.last_month)]),
    )
    .await
    .ok();

    // The target tightens to 40 (warning from 30).
    let mut amended = sections_with(
        vec![
            metric("frt", "MINUTES", "AT_MOST", "40", Some("30")),
            metric("uptime", "PERCENT", "AT_LEAST", "99.5", Some("99.8")),
        ],
        vec![credit_rule("frt", "5")],
    );
    amended["summary"]["title"] = json!("Managed support, faster");
    let proposed = app
        .gql(
            PROPOSE_AMENDMENT,
            json!({"input": {
                "agreementId": fx.agreement, "expectedVersion": fx.version,
                "sections": amended, "changeNote": "Faster first response",
            }}),
        )
        .await
        .ok();
    let p = proposed.data("/proposeAmendment/agreement");
    assert_eq!(
        p["status"], "ACTIVE",
        "the agreement stays in force meanwhile"
    );
    assert_eq!(p["revision"], 1, "revision 1 still governs");
    assert_eq!(
        p["revisions"],
        json!([{"revision": 1, "status": "APPROVED"}, {"revision": 2, "status": "PENDING_APPROVAL"}])
    );
    let version = p["version"].as_i64().expect("version");

    let own = app
        .agreement_action(&admin, "approveAgreement", &fx.agreement, version)
        .await;
    assert_transition(&own, "ACTIVE", "the amendment's author approving it");

    let approved = app
        .agreement_action(&approver_token, "approveAgreement", &fx.agreement, version)
        .await
        .ok();
    assert_eq!(approved.data("/agreement/status"), "ACTIVE");
    assert_eq!(approved.data("/agreement/revision"), 2);
    assert_eq!(approved.data("/agreement/approvedBy"), approver.as_str());

    let read = detail(&app, &fx.agreement).await;
    assert_eq!(
        read.data("/agreement/revisions"),
        &json!([
            {"revision": 1, "status": "APPROVED", "createdBy": "bootstrap-admin", "approvedBy": approver,
             "inForceFrom": cal.from.to_string(), "changeNote": null},
            {"revision": 2, "status": "APPROVED", "createdBy": "bootstrap-admin", "approvedBy": approver,
             "inForceFrom": cal.today.to_string(), "changeNote": "Faster first response"},
        ])
    );
    assert_eq!(
        read.data("/agreement/summary/title"),
        "Managed support, faster"
    );
    assert_eq!(read.data("/agreement/performance/metrics/0/target"), "40");

    // 50 minutes today: a breach of the new target.
    app.record_measurements(
        &admin,
        &fx.agreement,
        json!([measurement("frt", "50", chrono::Utc::now())]),
    )
    .await
    .ok();

    let before = compliance(&app, &fx.agreement, cal.last_month.date_naive()).await;
    let frt = metric_entry(&before, "frt");
    assert_eq!(frt["target"], "60", "last month is judged by revision 1");
    assert_eq!(frt["observed"], "50");
    assert_eq!(frt["status"], "AT_RISK");

    let now = compliance(&app, &fx.agreement, cal.today).await;
    let frt = metric_entry(&now, "frt");
    assert_eq!(frt["target"], "40", "this month is judged by revision 2");
    assert_eq!(frt["observed"], "50");
    assert_eq!(frt["status"], "BREACHED");
    assert_eq!(now.data("/agreement/compliance/overall"), "BREACHED");

    let events = outbox(&app, &fx.agreement).await;
    assert!(
        events.contains(&"agreement.amendment_proposed".to_owned()),
        "{events:?}"
    );
    assert_eq!(
        events.iter().filter(|e| *e == "agreement.approved").count(),
        2,
        "{events:?}"
    );
}

// ------------------------------------------------------------------------------ clients

#[tokio::test]
async fn a_client_with_an_agreement_in_force_cannot_be_demoted_and_is_not_listed_as_without_one() {
    let app = spawn_app().await;
    let bound = app
        .client_with_agreement("Bound Client", complete_sections())
        .await;
    let (free, _) = app.client_account("Free Client").await;

    let list = |without: bool| {
        app.gql(
            "query($f: AccountFilter) { accounts(first: 50, filter: $f) { nodes { id name } } }",
            json!({"f": {"withoutAgreementInForce": without}}),
        )
    };
    let names = |res: &Gql| -> Vec<String> {
        res.data("/accounts/nodes")
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["id"].as_str().expect("id").to_owned())
            .collect()
    };
    let without = list(true).await.ok();
    assert!(names(&without).contains(&free), "{}", without.body);
    assert!(
        !names(&without).contains(&bound.account),
        "{}",
        without.body
    );
    let with = list(false).await.ok();
    assert!(names(&with).contains(&bound.account), "{}", with.body);
    assert!(!names(&with).contains(&free), "{}", with.body);

    let demote = |account: &str| {
        app.gql(
            "mutation($input: DemoteToCustomerInput!) { demoteToCustomer(input: $input) { account { relationshipType } } }",
            json!({"input": {"accountId": account, "reason": "winding down", "expectedVersion": 2}}),
        )
    };
    let before = app.table_counts().await;
    let refused = demote(&bound.account).await;
    assert_transition(&refused, "CLIENT", "demoting a bound client");
    assert!(
        message(&refused).contains(&bound.agreement),
        "the refusal names the agreement: {}",
        refused.body
    );
    assert!(
        message(&refused).contains("Managed support"),
        "{}",
        refused.body
    );
    assert_eq!(app.table_counts().await, before, "a refusal writes nothing");

    let demoted = demote(&free).await.ok();
    assert_eq!(
        demoted.data("/demoteToCustomer/account/relationshipType"),
        "CUSTOMER"
    );

    // The account lists its agreements.
    let res = app
        .gql(
            "query($id: ID!) { account(id: $id) { agreements { nodes { id status } } } }",
            json!({"id": bound.account}),
        )
        .await
        .ok();
    assert_eq!(
        res.data("/account/agreements/nodes"),
        &json!([{"id": bound.agreement, "status": "ACTIVE"}])
    );
}

// ------------------------------------------------------------------------------ termination

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

// ------------------------------------------------------------------------------ permissions

fn agreement_id_of(res: &Gql) -> String {
    res.data("/createAgreementDraft/agreement/id")
        .as_str()
        .unwrap_or_else(|| panic!("no agreement: {}", res.body))
        .to_owned()
}

#[tokio::test]
async fn an_account_manager_drafts_measures_and_reviews_their_own_accounts_agreements_but_never_approves()
 {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let (mine, (_, manager)) = app.client_account("Managed By Me").await;
    let theirs = app
        .client_with_agreement("Managed By Another", complete_sections())
        .await;

    // Drafting: their own account yes, another's no.
    let before = app.table_counts().await;
    let refused = app
        .draft_agreement(&manager, &theirs.account, complete_sections())
        .await;
    assert_code(&refused, "FORBIDDEN", "drafting for another's account");
    assert_eq!(app.table_counts().await, before);
    let id = agreement_id_of(
        &app.draft_agreement(&manager, &mine, complete_sections())
            .await
            .ok(),
    );
    app.gql_as(
        Some(&manager),
        UPDATE_DRAFT,
        json!({"input": {"agreementId": id, "expectedVersion": 1, "sections": complete_sections()}}),
    )
    .await
    .ok();
    app.agreement_action(&manager, "submitAgreement", &id, 2)
        .await
        .ok();

    // Approving: never, not even someone else's draft.
    let refused = app
        .agreement_action(&manager, "approveAgreement", &id, 3)
        .await;
    assert_code(&refused, "FORBIDDEN", "a manager approving");
    let approved = app
        .agreement_action(&admin, "approveAgreement", &id, 3)
        .await
        .ok();
    assert_eq!(approved.data("/agreement/status"), "ACTIVE");

    // Measuring and reviewing: their own agreement only.
    let now = chrono::Utc::now();
    let ok = app
        .record_measurements(&manager, &id, json!([measurement("frt", "30", now)]))
        .await
        .ok();
    assert_eq!(ok.data("/recordMeasurements/recordedCount"), 1);
    let before = app.table_counts().await;
    let refused = app
        .record_measurements(
            &manager,
            &theirs.agreement,
            json!([measurement("frt", "30", now)]),
        )
        .await;
    assert_code(&refused, "FORBIDDEN", "measuring another's agreement");
    for mutation in ["startReview", "renewAgreement", "submitAgreement"] {
        let res = app
            .agreement_action(&manager, mutation, &theirs.agreement, theirs.version)
            .await;
        assert_code(
            &res,
            "FORBIDDEN",
            &format!("{mutation} on another's agreement"),
        );
    }
    let res = app
        .gql_as(
            Some(&manager),
            PROPOSE_AMENDMENT,
            json!({"input": {"agreementId": theirs.agreement, "expectedVersion": theirs.version, "sections": complete_sections()}}),
        )
        .await;
    assert_code(&res, "FORBIDDEN", "amending another's agreement");
    assert_eq!(app.table_counts().await, before, "refusals write nothing");

    let started = app
        .agreement_action(&manager, "startReview", &id, 4)
        .await
        .ok();
    assert_eq!(started.data("/agreement/status"), "UNDER_REVIEW");
    let done = app
        .gql_as(
            Some(&manager),
            COMPLETE_REVIEW,
            json!({"input": {"agreementId": id, "expectedVersion": 5, "outcome": "AMEND"}}),
        )
        .await
        .ok();
    assert_eq!(done.data("/completeReview/agreement/status"), "ACTIVE");
    let amended = app
        .gql_as(
            Some(&manager),
            PROPOSE_AMENDMENT,
            json!({"input": {"agreementId": id, "expectedVersion": 6, "sections": complete_sections()}}),
        )
        .await
        .ok();
    assert_eq!(amended.data("/proposeAmendment/agreement/version"), 7);
    let refused = app
        .agreement_action(&manager, "approveAgreement", &id, 7)
        .await;
    assert_code(&refused, "FORBIDDEN", "a manager approving an amendment");

    // They read terms and money of any agreement.
    let read = app
        .gql_as(
            Some(&manager),
            "query($id: ID!) { agreement(id: $id) { summary { fee { amount } } terms { paymentTermsDays } } }",
            json!({"id": theirs.agreement}),
        )
        .await
        .ok();
    assert_eq!(read.data("/agreement/summary/fee/amount"), "3000.00");
}

#[tokio::test]
async fn a_support_agent_sees_summary_and_performance_and_measures_but_never_terms_money_or_consequences()
 {
    let app = spawn_app().await;
    let fx = app
        .client_with_agreement("Supported Co", complete_sections())
        .await;
    let (_, agent) = app.member("SUPPORT_AGENT").await;

    let read = app
        .gql_as(
            Some(&agent),
            "query($id: ID!) { agreement(id: $id) {
                status summary { title fee { amount } billingCadence }
                performance { metrics { key target warningThreshold } }
                compliance { overall creditsIncurred { amount } metrics { metricKey status } }
            } }",
            json!({"id": fx.agreement}),
        )
        .await
        .ok();
    let a = read.data("/agreement");
    assert_eq!(a["status"], "ACTIVE");
    assert_eq!(a["summary"]["title"], "Managed support");
    assert!(a["summary"]["fee"].is_null(), "no money: {}", read.body);
    assert!(a["compliance"]["creditsIncurred"].is_null(), "no money");
    assert_eq!(a["performance"]["metrics"][0]["target"], "60");

    for field in [
        "terms { clauses { heading } }",
        "consequences { kind }",
        "reviewAndTermination { noticePeriodDays }",
    ] {
        let res = app
            .gql_as(
                Some(&agent),
                &format!("query($id: ID!) {{ agreement(id: $id) {{ status {field} }} }}"),
                json!({"id": fx.agreement}),
            )
            .await;
        assert_code(&res, "FORBIDDEN", field);
        assert_eq!(
            res.data("/agreement/status"),
            "ACTIVE",
            "the rest still reads"
        );
        let name = field.split(' ').next().expect("name");
        assert!(
            res.data(&format!("/agreement/{name}")).is_null(),
            "{}",
            res.body
        );
    }
    let res = app
        .gql_as(
            Some(&agent),
            "query($id: ID!) { agreement(id: $id) { credits { nodes { amount { amount } } } } }",
            json!({"id": fx.agreement}),
        )
        .await;
    assert_code(&res, "FORBIDDEN", "credits");
    assert!(res.data("/agreement").is_null(), "{}", res.body);

    let recorded = app
        .record_measurements(
            &agent,
            &fx.agreement,
            json!([measurement("frt", "20", chrono::Utc::now())]),
        )
        .await
        .ok();
    assert_eq!(recorded.data("/recordMeasurements/recordedCount"), 1);

    let before = app.table_counts().await;
    for mutation in ["startReview", "approveAgreement", "renewAgreement"] {
        let res = app
            .agreement_action(&agent, mutation, &fx.agreement, fx.version)
            .await;
        assert_code(&res, "FORBIDDEN", mutation);
    }
    let res = app
        .draft_agreement(&agent, &fx.account, complete_sections())
        .await;
    assert_code(&res, "FORBIDDEN", "an agent drafting");
    assert_eq!(app.table_counts().await, before, "refusals write nothing");
}

#[tokio::test]
async fn a_partner_sees_summary_status_and_compliance_of_its_own_accounts_agreements_only() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let (_, alpha) = app.partner("Alpha Partners").await;
    let (_, beta) = app.partner("Beta Partners").await;
    let alpha_account = app.account_as(&alpha, "Alpha Referral", json!({})).await;
    let beta_account = app.account_as(&beta, "Beta Referral", json!({})).await;
    let (own, _, _) = app
        .active_agreement(&alpha_account, complete_sections())
        .await;
    let (other, _, _) = app
        .active_agreement(&beta_account, complete_sections())
        .await;
    app.record_measurements(
        &admin,
        &own,
        json!([measurement("frt", "120", chrono::Utc::now())]),
    )
    .await
    .ok();

    let read = app
        .gql_as(
            Some(&alpha),
            "query($id: ID!) { agreement(id: $id) {
                status account { name } summary { title fee { amount } }
                compliance { overall creditsIncurred { amount } metrics { metricKey status } }
            } }",
            json!({"id": own}),
        )
        .await
        .ok();
    let a = read.data("/agreement");
    assert_eq!(a["status"], "ACTIVE");
    assert_eq!(a["account"]["name"], "Alpha Referral");
    assert_eq!(a["summary"]["title"], "Managed support");
    assert!(a["summary"]["fee"].is_null(), "no money for partners");
    assert_eq!(a["compliance"]["overall"], "BREACHED");
    assert!(a["compliance"]["creditsIncurred"].is_null(), "no money");

    let terms = app
        .gql_as(
            Some(&alpha),
            "query($id: ID!) { agreement(id: $id) { status terms { paymentTermsDays } } }",
            json!({"id": own}),
        )
        .await;
    assert_code(&terms, "FORBIDDEN", "a partner reading terms");
    assert_eq!(terms.data("/agreement/status"), "ACTIVE");

    for query in [
        "query($id: ID!) { agreement(id: $id) { status } }",
        "query($id: ID!) { node(id: $id) { id ... on Agreement { status } } }",
    ] {
        let res = app.gql_as(Some(&alpha), query, json!({"id": other})).await;
        assert_code(&res, "NOT_FOUND", query);
        assert!(
            res.data("/agreement").is_null() && res.data("/node").is_null(),
            "nothing leaks: {}",
            res.body
        );
    }
    let listed = app
        .gql_as(
            Some(&alpha),
            "{ agreements(first: 10) { nodes { id } totalCount } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(listed.data("/agreements/nodes"), &json!([{"id": own}]));
    assert_eq!(listed.data("/agreements/totalCount"), 1);

    let before = app.table_counts().await;
    let res = app
        .record_measurements(
            &alpha,
            &own,
            json!([measurement("frt", "10", chrono::Utc::now())]),
        )
        .await;
    assert_code(&res, "FORBIDDEN", "a partner measuring");
    let res = app
        .record_measurements(
            &alpha,
            &other,
            json!([measurement("frt", "10", chrono::Utc::now())]),
        )
        .await;
    assert_code(&res, "NOT_FOUND", "a partner measuring another's");
    assert_eq!(app.table_counts().await, before, "refusals write nothing");
}

#[tokio::test]
async fn a_viewer_reads_agreements_but_every_agreement_mutation_is_forbidden() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let cal = calendar();
    let fx = app
        .client_with_agreement("Viewed Co", complete_sections())
        .await;
    let pending = agreement_id_of(
        &app.draft_agreement(&admin, &fx.account, complete_sections())
            .await
            .ok(),
    );
    let (_, viewer) = app.member("VIEWER").await;

    let read = app
        .gql_as(Some(&viewer), AGREEMENT_DETAIL, json!({"id": fx.agreement}))
        .await
        .ok();
    assert_eq!(read.data("/agreement/summary/fee/amount"), "3000.00");
    assert_eq!(read.data("/agreement/terms/paymentTermsDays"), 30);

    let before = app.table_counts().await;
    let res = app
        .draft_agreement(&viewer, &fx.account, complete_sections())
        .await;
    assert_code(&res, "FORBIDDEN", "createAgreementDraft");
    let res = app
        .gql_as(
            Some(&viewer),
            UPDATE_DRAFT,
            json!({"input": {"agreementId": pending, "expectedVersion": 1, "sections": complete_sections()}}),
        )
        .await;
    assert_code(&res, "FORBIDDEN", "updateAgreementDraft");
    for mutation in [
        "submitAgreement",
        "approveAgreement",
        "rejectAgreement",
        "startReview",
        "renewAgreement",
    ] {
        let res = app
            .agreement_action(&viewer, mutation, &fx.agreement, fx.version)
            .await;
        assert_code(&res, "FORBIDDEN", mutation);
        let res = app.agreement_action(&viewer, mutation, &pending, 1).await;
        assert_code(&res, "FORBIDDEN", mutation);
    }
    let res = app
        .gql_as(
            Some(&viewer),
            PROPOSE_AMENDMENT,
            json!({"input": {"agreementId": fx.agreement, "expectedVersion": fx.version, "sections": complete_sections()}}),
        )
        .await;
    assert_code(&res, "FORBIDDEN", "proposeAmendment");
    let res = app
        .gql_as(
            Some(&viewer),
            COMPLETE_REVIEW,
            json!({"input": {"agreementId": fx.agreement, "expectedVersion": fx.version, "outcome": "CONTINUE"}}),
        )
        .await;
    assert_code(&res, "FORBIDDEN", "completeReview");
    let res = app
        .gql_as(
            Some(&viewer),
            TERMINATE,
            json!({"input": {"agreementId": fx.agreement, "expectedVersion": fx.version, "kind": "CONVENIENCE",
                             "reason": "just looking", "effectiveOn": (cal.today + Days::new(60)).to_string()}}),
        )
        .await;
    assert_code(&res, "FORBIDDEN", "terminateAgreement");
    let res = app
        .record_measurements(
            &viewer,
            &fx.agreement,
            json!([measurement("frt", "10", chrono::Utc::now())]),
        )
        .await;
    assert_code(&res, "FORBIDDEN", "recordMeasurements");
    assert_eq!(app.table_counts().await, before, "refusals write nothing");
}

// ------------------------------------------------------------------------------ concurrency

#[tokio::test]
async fn of_five_concurrent_draft_edits_with_the_same_version_exactly_one_wins() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let (account, _) = app.client_account("Contended Draft").await;
    let id = agreement_id_of(
        &app.draft_agreement(&admin, &account, complete_sections())
            .await
            .ok(),
    );

    let edits = (0..5).map(|i| {
        let mut sections = complete_sections();
        sections["summary"]["title"] = json!(format!("Writer {i}"));
        app.gql(
            UPDATE_DRAFT,
            json!({"input": {"agreementId": id, "expectedVersion": 1, "sections": sections}}),
        )
    });
    let results = futures_util::future::join_all(edits).await;

    let winners: Vec<&Gql> = results
        .iter()
        .filter(|r| r.error_code().is_none())
        .collect();
    let bodies: Vec<&Value> = results.iter().map(|r| &r.body).collect();
    assert_eq!(winners.len(), 1, "exactly one wins: {bodies:?}");
    assert_eq!(
        results
            .iter()
            .filter(|r| r.error_code() == Some("CONFLICT"))
            .count(),
        4,
        "the others get CONFLICT: {bodies:?}"
    );
    let title = winners[0]
        .data("/updateAgreementDraft/agreement/summary/title")
        .as_str()
        .expect("title")
        .to_owned();
    assert_eq!(
        winners[0].data("/updateAgreementDraft/agreement/version"),
        2
    );

    let read = detail(&app, &id).await;
    assert_eq!(read.data("/agreement/version"), 2, "one step, not five");
    assert_eq!(
        read.data("/agreement/summary/title"),
        title.as_str(),
        "the winner's edit is what is stored"
    );
    assert_eq!(
        outbox(&app, &id).await,
        ["agreement.drafted", "agreement.draft_updated"],
        "one event for the one change"
    );

    // The losers read again and retry: nothing is lost.
    let mut sections = complete_sections();
    sections["summary"]["title"] = json!("Retried");
    app.gql(
        UPDATE_DRAFT,
        json!({"input": {"agreementId": id, "expectedVersion": 2, "sections": sections}}),
    )
    .await
    .ok();
    assert_eq!(app.agreement_version(&id).await, 3);
}

// ------------------------------------------------------------------------------ N+1

const AGREEMENTS_PAGE: &str = "query($first: Int!) {
  agreements(first: $first) {
    nodes {
      id
      account { name }
      summary { title }
      performance { metrics { key } }
      compliance { overall creditsIncurred { amount } }
    }
  }
}";

const AGREEMENT_FULL: &str = "query($id: ID!) {
  agreement(id: $id) {
    id status version revision
    account { name }
    revisions { revision status }
    summary { title fee { amount currency } }
    terms { clauses { heading } }
    performance { metrics { key target } }
    consequences { metricKey kind }
    reviewAndTermination { nextReviewOn cancelBy termEnd }
    compliance { overall metrics { metricKey status observed target measurementCount } creditsIncurred { amount } }
    credits(first: 20) { nodes { metricKey amount { amount } } }
    reviews { heldOn }
    termination { kind }
  }
}";

/// Statements run by one request, and its response.
async fn measured(app: &TestApp, query: &str, variables: Value) -> (u64, Gql) {
    let start = app.store.statement_count();
    let res = app.gql(query, variables).await.ok();
    (app.store.statement_count() - start, res)
}

async fn agreements_page_costs_the_same_for_5_or_20(app: &TestApp) {
    let admin = app.admin_token.clone();
    let (_, approver) = app.member("ADMIN").await;
    let now = chrono::Utc::now();
    for i in 0..20 {
        let account = app
            .account_as(&admin, &format!("Paged {i:02}"), json!({}))
            .await;
        let id = agreement_id_of(
            &app.draft_agreement(&admin, &account, complete_sections())
                .await
                .ok(),
        );
        if i % 4 == 3 {
            continue; // some stay drafts
        }
        app.agreement_action(&admin, "submitAgreement", &id, 1)
            .await
            .ok();
        app.agreement_action(&approver, "approveAgreement", &id, 2)
            .await
            .ok();
        let value = if i % 2 == 0 { "30" } else { "120" };
        app.record_measurements(&admin, &id, json!([measurement("frt", value, now)]))
            .await
            .ok();
    }

    let (small, small_res) = measured(app, AGREEMENTS_PAGE, json!({"first": 5})).await;
    let (large, large_res) = measured(app, AGREEMENTS_PAGE, json!({"first": 20})).await;
    let nodes = large_res
        .data("/agreements/nodes")
        .as_array()
        .expect("nodes");
    assert_eq!(
        small_res.data("/agreements/nodes").as_array().map(Vec::len),
        Some(5)
    );
    assert_eq!(nodes.len(), 20);
    for (i, node) in nodes.iter().enumerate() {
        assert_eq!(node["account"]["name"], format!("Paged {i:02}"));
        let expected = match i {
            _ if i % 4 == 3 => "NOT_MEASURED",
            _ if i % 2 == 0 => "COMPLIANT",
            _ => "BREACHED",
        };
        assert_eq!(node["compliance"]["overall"], expected, "agreement {i}");
        let credit = if expected == "BREACHED" {
            "300.00"
        } else {
            "0.00"
        };
        assert_eq!(
            node["compliance"]["creditsIncurred"]["amount"], credit,
            "agreement {i}"
        );
    }
    eprintln!("agreements with accounts and compliance: page of 5 = {small}, page of 20 = {large}");
    assert_eq!(
        small, large,
        "statements per request do not grow with the page ({small} for 5, {large} for 20)"
    );
    assert!(small <= 8, "a page costs at most 8 statements, not {small}");
}

#[tokio::test]
async fn a_page_of_agreements_with_accounts_and_compliance_costs_the_same_for_5_or_20() {
    let app = spawn_app().await;
    agreements_page_costs_the_same_for_5_or_20(&app).await;
}

/// Without a batch window, only the page's preloading keeps one batch per loader.
#[tokio::test]
async fn a_page_of_agreements_costs_the_same_for_5_or_20_even_without_a_batch_window() {
    let app = spawn_app_with(|s| s.graphql.loader_delay_us = 0).await;
    agreements_page_costs_the_same_for_5_or_20(&app).await;
}

#[tokio::test]
async fn the_detail_of_an_agreement_costs_the_same_with_1_or_5_metrics() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let now = chrono::Utc::now();

    let one = app
        .client_with_agreement(
            "One Metric",
            sections_with(vec![frt_metric()], vec![credit_rule("frt", "5")]),
        )
        .await;
    let keys = ["m1", "m2", "m3", "m4", "m5"];
    let five = app
        .client_with_agreement(
            "Five Metrics",
            sections_with(
                keys.iter()
                    .map(|k| metric(k, "MINUTES", "AT_MOST", "60", Some("45")))
                    .collect(),
                keys.iter().map(|k| credit_rule(k, "5")).collect(),
            ),
        )
        .await;
    app.record_measurements(
        &admin,
        &one.agreement,
        json!([measurement("frt", "120", now)]),
    )
    .await
    .ok();
    app.record_measurements(
        &admin,
        &five.agreement,
        Value::Array(keys.iter().map(|k| measurement(k, "120", now)).collect()),
    )
    .await
    .ok();

    let (cost_one, res_one) = measured(&app, AGREEMENT_FULL, json!({"id": one.agreement})).await;
    let (cost_five, res_five) = measured(&app, AGREEMENT_FULL, json!({"id": five.agreement})).await;
    assert_eq!(
        res_one
            .data("/agreement/compliance/metrics")
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        res_five
            .data("/agreement/compliance/metrics")
            .as_array()
            .map(Vec::len),
        Some(5)
    );
    assert_eq!(
        res_five
            .data("/agreement/credits/nodes")
            .as_array()
            .map(Vec::len),
        Some(5)
    );
    assert_eq!(res_five.data("/agreement/compliance/overall"), "BREACHED");
    eprintln!("agreement detail: 1 metric = {cost_one}, 5 metrics = {cost_five}");
    assert_eq!(
        cost_one, cost_five,
        "the detail does not grow with the metrics ({cost_one} for 1, {cost_five} for 5)"
    );
    assert!(
        cost_one <= 10,
        "the detail costs at most 10 statements, not {cost_one}"
    );
}
