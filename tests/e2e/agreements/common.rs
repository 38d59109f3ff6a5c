//! Documents and helpers shared by the agreement tests.

use rapport_api::global_id::{self, Kind};
use rapport_tests::{Gql, TestApp};
use serde_json::{Value, json};

pub(super) const AGREEMENT_DETAIL: &str = "query($id: ID!) {
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

pub(super) const UPDATE_DRAFT: &str = "mutation($input: UpdateAgreementDraftInput!) {
  updateAgreementDraft(input: $input) { agreement { id status version summary { title } } }
}";

pub(super) const PROPOSE_AMENDMENT: &str = "mutation($input: ProposeAmendmentInput!) {
  proposeAmendment(input: $input) { agreement { id status version revision revisions { revision status } } }
}";

pub(super) const COMPLETE_REVIEW: &str = "mutation($input: CompleteReviewInput!) {
  completeReview(input: $input) {
    agreement { status version reviews { heldOn outcome notes heldBy } reviewAndTermination { nextReviewOn } }
  }
}";

pub(super) const TERMINATE: &str = "mutation($input: TerminateAgreementInput!) {
  terminateAgreement(input: $input) {
    agreement { status version termination { kind effectiveOn reason by } }
  }
}";

pub(super) const COMPLIANCE: &str = "query($id: ID!, $period: Date) {
  agreement(id: $id) {
    compliance(period: $period) {
      overall periodStart periodEnd
      metrics { metricKey status observed target measurementCount }
    }
  }
}";

pub(super) fn raw_id(id: &str) -> i64 {
    global_id::decode(Kind::Agreement, id).expect("an Agreement id")
}

pub(super) fn message(res: &Gql) -> &str {
    res.body
        .pointer("/errors/0/message")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

pub(super) fn current(res: &Gql) -> Option<&str> {
    res.body
        .pointer("/errors/0/extensions/current")
        .and_then(Value::as_str)
}

pub(super) fn assert_code(res: &Gql, code: &str, what: &str) {
    assert_eq!(res.error_code(), Some(code), "{what}: {}", res.body);
}

/// Asserts INVALID_TRANSITION naming `state` as the current one, in extensions and message.
pub(super) fn assert_transition(res: &Gql, state: &str, what: &str) {
    assert_code(res, "INVALID_TRANSITION", what);
    assert_eq!(current(res), Some(state), "{what}: {}", res.body);
    assert!(
        message(res).contains(state),
        "{what}: the message names {state}: {}",
        res.body
    );
}

pub(super) async fn detail(app: &TestApp, id: &str) -> Gql {
    app.gql(AGREEMENT_DETAIL, json!({"id": id})).await.ok()
}

pub(super) async fn outbox(app: &TestApp, id: &str) -> Vec<String> {
    app.store
        .outbox_events_for("Agreement", raw_id(id))
        .await
        .expect("outbox")
}

pub(super) async fn compliance(app: &TestApp, id: &str, period: chrono::NaiveDate) -> Gql {
    app.gql(COMPLIANCE, json!({"id": id, "period": period.to_string()}))
        .await
        .ok()
}

/// The compliance entry of `key` in a [`COMPLIANCE`] answer.
pub(super) fn metric_entry<'a>(res: &'a Gql, key: &str) -> &'a Value {
    res.data("/agreement/compliance/metrics")
        .as_array()
        .and_then(|ms| ms.iter().find(|m| m["metricKey"] == key))
        .unwrap_or_else(|| panic!("no compliance of {key}: {}", res.body))
}

pub(super) fn agreement_id_of(res: &Gql) -> String {
    res.data("/createAgreementDraft/agreement/id")
        .as_str()
        .unwrap_or_else(|| panic!("no agreement: {}", res.body))
        .to_owned()
}
