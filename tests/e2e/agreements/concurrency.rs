//! Concurrent edits of one draft: exactly one wins.

use rapport_tests::{Gql, complete_sections, spawn_app};
use serde_json::{Value, json};

use super::common::*;

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
