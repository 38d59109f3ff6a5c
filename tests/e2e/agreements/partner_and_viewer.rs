//! What partners and viewers see of agreements, and that they change nothing.

use chrono::Days;
use rapport_tests::{calendar, complete_sections, measurement, spawn_app};
use serde_json::json;

use super::common::*;

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
