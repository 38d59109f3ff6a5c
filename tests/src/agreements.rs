//! Agreements driven through their lifecycle: drafted, approved, measured.

use serde_json::{Value, json};

use crate::{Gql, TestApp};

/// What [`TestApp::client_with_agreement`] made.
#[derive(Debug, Clone)]
pub struct AgreementFixture {
    /// The client account.
    pub account: String,
    /// Its account manager's id and token.
    pub manager: (String, String),
    /// The agreement, `ACTIVE`.
    pub agreement: String,
    /// Its version after approval.
    pub version: i64,
    /// The second admin who approved it: (subject, token).
    pub approver: (String, String),
}

/// The fields every agreement mutation answers in tests.
pub const AGREEMENT_FIELDS: &str = "id status version revision createdBy approvedBy";

impl TestApp {
    /// Promotes `account` (version `version`) to client managed by `manager`, as the admin.
    pub async fn promote(&self, account: &str, manager: &str, version: i64) {
        self.gql(
            "mutation($input: PromoteToClientInput!) { promoteToClient(input: $input) { account { id } } }",
            json!({"input": {"accountId": account, "accountManagerId": manager, "reason": "signed a retainer", "expectedVersion": version}}),
        )
        .await
        .ok();
    }

    /// A new client account managed by a new account manager: (account, (manager id, token)).
    pub async fn client_account(&self, name: &str) -> (String, (String, String)) {
        let manager = self.member("ACCOUNT_MANAGER").await;
        let account = self
            .account_as(&self.admin_token.clone(), name, json!({}))
            .await;
        self.promote(&account, &manager.0, 1).await;
        (account, manager)
    }

    /// The subject of the caller with `token`.
    pub async fn subject_of(&self, token: &str) -> String {
        self.gql_as(Some(token), "{ viewer { subject } }", json!({}))
            .await
            .ok()
            .data("/viewer/subject")
            .as_str()
            .expect("subject")
            .to_owned()
    }

    /// `createAgreementDraft` as `token`, answering [`AGREEMENT_FIELDS`].
    pub async fn draft_agreement(&self, token: &str, account: &str, sections: Value) -> Gql {
        self.gql_as(
            Some(token),
            &format!(
                "mutation($input: CreateAgreementDraftInput!) {{ createAgreementDraft(input: $input) {{ agreement {{ {AGREEMENT_FIELDS} }} }} }}"
            ),
            json!({"input": {"accountId": account, "sections": sections}}),
        )
        .await
    }

    /// One of the plain agreement actions (`submitAgreement`, `approveAgreement`,
    /// `startReview`, …) as `token`, answering [`AGREEMENT_FIELDS`] under `/agreement`.
    pub async fn agreement_action(
        &self,
        token: &str,
        mutation: &str,
        agreement: &str,
        version: i64,
    ) -> Gql {
        let res = self
            .gql_as(
                Some(token),
                &format!(
                    "mutation($input: AgreementActionInput!) {{ action: {mutation}(input: $input) {{ agreement {{ {AGREEMENT_FIELDS} }} }} }}"
                ),
                json!({"input": {"agreementId": agreement, "expectedVersion": version, "reason": "as agreed"}}),
            )
            .await;
        Gql {
            status: res.status,
            body: match res.body.pointer("/data/action") {
                Some(payload) if !payload.is_null() => {
                    let mut body = res.body.clone();
                    body["data"] = payload.clone();
                    body
                }
                _ => res.body,
            },
        }
    }

    /// The agreement's current version, read as the admin.
    pub async fn agreement_version(&self, agreement: &str) -> i64 {
        self.gql(
            "query($id: ID!) { agreement(id: $id) { version } }",
            json!({"id": agreement}),
        )
        .await
        .ok()
        .data("/agreement/version")
        .as_i64()
        .expect("version")
    }

    /// `recordMeasurements` as `token`; answers counts and per-item results under
    /// `/recordMeasurements`.
    pub async fn record_measurements(
        &self,
        token: &str,
        agreement: &str,
        measurements: Value,
    ) -> Gql {
        self.gql_as(
            Some(token),
            "mutation($input: RecordMeasurementsInput!) { recordMeasurements(input: $input) { recordedCount refusedCount results { index outcome errors { field message } } } }",
            json!({"input": {"agreementId": agreement, "measurements": measurements}}),
        )
        .await
    }

    /// Drafts `sections` for `account` as the bootstrap admin, submits them, and has a second
    /// admin approve: answers the agreement id, its version, and the approver.
    pub async fn active_agreement(
        &self,
        account: &str,
        sections: Value,
    ) -> (String, i64, (String, String)) {
        let admin = self.admin_token.clone();
        let draft = self.draft_agreement(&admin, account, sections).await.ok();
        let id = draft
            .data("/createAgreementDraft/agreement/id")
            .as_str()
            .expect("agreement id")
            .to_owned();
        self.agreement_action(&admin, "submitAgreement", &id, 1)
            .await
            .ok();
        let (_, approver_token) = self.member("ADMIN").await;
        let approver = self.subject_of(&approver_token).await;
        let approved = self
            .agreement_action(&approver_token, "approveAgreement", &id, 2)
            .await
            .ok();
        assert_eq!(
            approved.data("/agreement/status"),
            "ACTIVE",
            "{}",
            approved.body
        );
        let version = approved
            .data("/agreement/version")
            .as_i64()
            .expect("version");
        (id, version, (approver, approver_token))
    }

    /// A client account (with its account manager) and an `ACTIVE` agreement of `sections`
    /// drafted by the bootstrap admin and approved by a second admin.
    pub async fn client_with_agreement(&self, name: &str, sections: Value) -> AgreementFixture {
        let (account, manager) = self.client_account(name).await;
        let (agreement, version, approver) = self.active_agreement(&account, sections).await;
        AgreementFixture {
            account,
            manager,
            agreement,
            version,
            approver,
        }
    }
}
