//! What a test asks of a running app: GraphQL as a role, members, partners, accounts, contacts,
//! a worker, relay or dispatcher step, and row counts.

use rapport_api::config::Settings;
use rapport_integrations::StepReport;
use serde_json::{Value, json};

use crate::{Gql, TestApp};

impl TestApp {
    /// Runs one step of the contact-sync worker at `now`.
    pub async fn sync_step(&self, now: chrono::DateTime<chrono::Utc>) -> StepReport {
        self.sync.worker("test-worker").run_once(now).await
    }

    /// Publishes every unpublished event at `now` (relay runs until idle); returns how many.
    pub async fn relay_step(&self, now: chrono::DateTime<chrono::Utc>) -> usize {
        let mut published = 0;
        loop {
            let report = self.events.relay().run_once(now).await.expect("relay run");
            if report.is_idle() {
                return published;
            }
            published += report.published;
        }
    }

    /// Runs one step of the webhook dispatcher at `now`.
    pub async fn dispatch_step(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> rapport_api::events::webhooks::dispatch::DispatchReport {
        self.events
            .dispatcher("test-dispatcher")
            .run_once(now)
            .await
            .expect("dispatch run")
    }

    /// POSTs a GraphQL operation with `token` (or none).
    pub async fn gql_as(&self, token: Option<&str>, query: &str, variables: Value) -> Gql {
        let mut req = self
            .client
            .post(format!("{}/graphql", self.address))
            .header("content-type", "application/json")
            .header("accept", "application/graphql-response+json")
            .json(&json!({"query": query, "variables": variables}));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let res = req.send().await.expect("request sent");
        let status = res.status().as_u16();
        let body = res.json().await.unwrap_or(Value::Null);
        Gql { status, body }
    }

    /// POSTs as the bootstrap admin.
    pub async fn gql(&self, query: &str, variables: Value) -> Gql {
        self.gql_as(Some(&self.admin_token.clone()), query, variables)
            .await
    }

    /// The plain HTTP client.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Creates a team member with `role` and returns its id and a token.
    pub async fn member(&self, role: &str) -> (String, String) {
        let subject = format!("member-{}", uuid::Uuid::new_v4().simple());
        let res = self
            .gql(
                "mutation($input: CreateTeamMemberInput!) { createTeamMember(input: $input) { teamMember { id } } }",
                json!({"input": {"name": "Test Member", "email": format!("{subject}@example.com"), "role": role, "subject": subject}}),
            )
            .await
            .ok();
        let id = res
            .data("/createTeamMember/teamMember/id")
            .as_str()
            .expect("id")
            .to_owned();
        let token = self.token_for(&subject).await;
        (id, token)
    }

    /// A fresh token for the member with `subject`.
    pub async fn token_for(&self, subject: &str) -> String {
        let settings = Settings {
            data_dir: self.data_dir.path().to_path_buf(),
            ..Settings::default()
        };
        let keys = rapport_api::startup::load_keys(&settings).expect("keys");
        rapport_api::startup::operator_token(&self.store, &keys, &settings, subject)
            .await
            .expect("token")
    }

    /// Creates a partner and returns its id and a partner token.
    pub async fn partner(&self, name: &str) -> (String, String) {
        let id = self
            .gql(
                "mutation($name: String!) { createPartner(input: {name: $name}) { partner { id } } }",
                json!({"name": name}),
            )
            .await
            .ok()
            .data("/createPartner/partner/id")
            .as_str()
            .expect("partner id")
            .to_owned();
        let token = self
            .gql(
                "mutation($id: ID!) { issuePartnerToken(input: {partnerId: $id}) { token } }",
                json!({"id": id}),
            )
            .await
            .ok()
            .data("/issuePartnerToken/token")
            .as_str()
            .expect("token")
            .to_owned();
        (id, token)
    }

    /// Creates an account as `token` and returns its id.
    pub async fn account_as(&self, token: &str, name: &str, extra: Value) -> String {
        let mut input =
            json!({"name": name, "kind": "ORGANIZATION", "acquisitionChannel": "DIRECT"});
        if let (Some(obj), Some(more)) = (input.as_object_mut(), extra.as_object()) {
            for (k, v) in more {
                obj.insert(k.clone(), v.clone());
            }
        }
        self.gql_as(
            Some(token),
            "mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id } } }",
            json!({"input": input}),
        )
        .await
        .ok()
        .data("/createAccount/account/id")
        .as_str()
        .expect("account id")
        .to_owned()
    }

    /// Creates a contact on `account` as the admin and returns its id.
    pub async fn contact(&self, account: &str, first_name: &str, email: Option<&str>) -> String {
        self.contact_with(json!({"accountId": account, "firstName": first_name, "email": email}))
            .await
    }

    /// Creates a contact from a whole `CreateContactInput` as the admin and returns its id.
    pub async fn contact_with(&self, input: Value) -> String {
        self.gql(
            "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }",
            json!({"input": input}),
        )
        .await
        .ok()
        .data("/createContact/contact/id")
        .as_str()
        .expect("contact id")
        .to_owned()
    }

    /// A contact's `syncStatus`, one entry per enabled provider, as the admin sees it.
    pub async fn sync_status(&self, contact: &str) -> Vec<Value> {
        let res = self
            .gql(
                "query($id: ID!) { contact(id: $id) { syncStatus { provider state attempts lastError externalId lastSyncedAt } } }",
                json!({"id": contact}),
            )
            .await
            .ok();
        res.data("/contact/syncStatus")
            .as_array()
            .cloned()
            .expect("a sync status list")
    }

    /// Row counts of every table a mutation may write.
    pub async fn table_counts(&self) -> Vec<(&'static str, i64)> {
        let mut out = Vec::new();
        for table in [
            "accounts",
            "account_domains",
            "relationship_changes",
            "contacts",
            "contact_tags",
            "contact_phones",
            "team_members",
            "partners",
            "audit_log",
            "outbox",
            "revoked_tokens",
            "issued_tokens",
            "interactions",
            "agreements",
            "agreement_revisions",
            "measurements",
            "service_credits",
            "metric_compliance",
            "sync_jobs",
            "sync_states",
        ] {
            out.push((table, self.store.count_rows(table).await.expect("count")));
        }
        out
    }
}
