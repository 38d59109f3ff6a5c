#![doc = include_str!("../README.md")]

use std::time::Duration;

use rapport_api::config::Settings;
use rapport_api::startup::Application;
use rapport_api::store::{Store, create_postgres_database};
use serde_json::{Value, json};

/// A running Rapport on a free port with its own database.
#[derive(Debug)]
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The database, for counting rows and statements.
    pub store: Store,
    /// Where the SQLite file and the JWT secret live.
    pub data_dir: tempfile::TempDir,
    /// A token of the bootstrap admin.
    pub admin_token: String,
    /// Which database backs this app.
    pub backend: &'static str,
    client: reqwest::Client,
}

/// Starts the real application on port 0 with a fresh SQLite file, or a fresh PostgreSQL
/// database when `TEST_DATABASE_URL` is set.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like [`spawn_app`], with settings adjusted by `tweak`.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings {
        data_dir: data_dir.path().to_path_buf(),
        ..Settings::default()
    };
    settings.http.port = 0;
    settings.http.workers = 1;
    settings.http.shutdown_timeout_secs = 1;
    // Tests drive the scheduler step themselves, with a clock of their choosing.
    settings.scheduler.interval_secs = 0;
    let backend = match std::env::var("TEST_DATABASE_URL") {
        Ok(server) if !server.trim().is_empty() => {
            let name = format!("rapport_test_{}", uuid::Uuid::new_v4().simple());
            let url = create_postgres_database(&server, &name)
                .await
                .expect("TEST_DATABASE_URL is set but a test database could not be created there");
            settings.database_url = Some(url);
            "postgres"
        }
        _ => "sqlite",
    };
    tweak(&mut settings);
    let app = Application::build(settings)
        .await
        .expect("application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let store = app.store().clone();
    let admin_token = app
        .operator_token("bootstrap-admin")
        .await
        .expect("admin token");
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        store,
        data_dir,
        admin_token,
        backend,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("http client"),
    }
}

/// A GraphQL response body with helpers to read it.
#[derive(Debug, Clone)]
pub struct Gql {
    /// HTTP status.
    pub status: u16,
    /// The body.
    pub body: Value,
}

impl Gql {
    /// `data` at a JSON pointer (`/account/name`).
    pub fn data(&self, pointer: &str) -> &Value {
        self.body
            .pointer(&format!("/data{pointer}"))
            .unwrap_or(&Value::Null)
    }

    /// The code of the first error, if any.
    pub fn error_code(&self) -> Option<&str> {
        self.body
            .pointer("/errors/0/extensions/code")
            .and_then(Value::as_str)
    }

    /// The field named by the first error, if any.
    pub fn error_field(&self) -> Option<&str> {
        self.body
            .pointer("/errors/0/extensions/field")
            .and_then(Value::as_str)
    }

    /// Panics with the whole body unless there were no errors.
    pub fn ok(self) -> Self {
        assert!(
            self.body.get("errors").is_none(),
            "unexpected errors (status {}): {}",
            self.status,
            self.body
        );
        self
    }
}

impl TestApp {
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
        self.gql(
            "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }",
            json!({"input": {"accountId": account, "firstName": first_name, "email": email}}),
        )
        .await
        .ok()
        .data("/createContact/contact/id")
        .as_str()
        .expect("contact id")
        .to_owned()
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
            "team_members",
            "partners",
            "audit_log",
            "outbox",
            "revoked_tokens",
        ] {
            out.push((table, self.store.count_rows(table).await.expect("count")));
        }
        out
    }
}
