//! What account managers and support agents may do with agreements.

use rapport_tests::{complete_sections, measurement, spawn_app};
use serde_json::json;

use super::common::*;

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
