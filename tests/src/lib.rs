#![doc = include_str!("../README.md")]

pub mod banner;
pub mod documents;
pub mod mock;
pub mod otlp;
pub mod receiver;
pub mod webhook_receiver;

use std::time::Duration;

use rapport_api::config::Settings;
use rapport_api::events::EventsHandle;
use rapport_api::startup::Application;
use rapport_api::store::{Store, create_postgres_database};
use rapport_api::sync::SyncHandle;
use rapport_integrations::{Registry, StepReport};
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
    /// Builds contact-sync workers over this app's database, counting into its `/metrics`.
    pub sync: SyncHandle,
    /// The event relay and webhook dispatcher over this app's database (the in-server relay
    /// is off: tests drive them with [`TestApp::relay_step`] and [`TestApp::dispatch_step`]).
    pub events: EventsHandle,
    /// The traces this app exports (when `telemetry.otlp_endpoint` is set), to flush them.
    pub traces: Option<std::sync::Arc<rapport_api::traces::Traces>>,
    client: reqwest::Client,
}

/// Starts the real application on port 0 with a fresh SQLite file, or a fresh PostgreSQL
/// database when `TEST_DATABASE_URL` is set.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like [`spawn_app`], with settings adjusted by `tweak`.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_with_providers(tweak, Registry::default()).await
}

/// Like [`spawn_app_with`], with these contact-sync providers registered. The in-server
/// worker is off: tests deliver with [`TestApp::sync_step`].
pub async fn spawn_app_with_providers(
    tweak: impl FnOnce(&mut Settings),
    registry: Registry,
) -> TestApp {
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
    settings.sync.run_in_server = false;
    settings.events.relay_in_server = false;
    // Tests run import jobs with `rapport_api::service::import_jobs::JobRunner::run_once`.
    settings.imports.run_in_server = false;
    // Local webhook receivers listen on plain http on 127.0.0.1.
    settings.events.webhooks.allow_http_hosts = vec!["127.0.0.1".to_owned()];
    settings.events.webhooks.allow_private_hosts = vec!["127.0.0.1".to_owned()];
    // Every test sends from 127.0.0.1, some send dozens of refused credentials on purpose, and
    // some seed a thousand contacts as one admin as fast as the server takes them; the
    // rate-limit tests set their own small limits.
    settings.rate_limit.address_burst = 10_000;
    settings.rate_limit.subject_burst = 100_000;
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
    let app = Application::build_with(settings, registry)
        .await
        .expect("application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let store = app.store().clone();
    let sync = app.sync().clone();
    let events = app.events().clone();
    let traces = app.traces().cloned();
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
        sync,
        events,
        traces,
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

// ------------------------------------------------------------------------------ agreements

/// Dates around the real today (the server judges "today" by its own clock): agreements run
/// from the first day of last year to the last day of next year, so anything observed now or
/// last month falls inside their term.
#[derive(Debug, Clone, Copy)]
pub struct Calendar {
    /// Today (UTC).
    pub today: chrono::NaiveDate,
    /// January 1st of last year: `effectiveFrom` of the standard agreement.
    pub from: chrono::NaiveDate,
    /// December 31st of next year: `effectiveUntil` of the standard agreement.
    pub until: chrono::NaiveDate,
    /// The 15th of last month at noon UTC: a past instant in another month than today.
    pub last_month: chrono::DateTime<chrono::Utc>,
}

/// The [`Calendar`] of now.
pub fn calendar() -> Calendar {
    use chrono::{Datelike, Months, NaiveDate, Utc};
    let today = Utc::now().date_naive();
    let from = NaiveDate::from_ymd_opt(today.year() - 1, 1, 1).expect("date");
    let until = NaiveDate::from_ymd_opt(today.year() + 1, 12, 31).expect("date");
    let last_month = today
        .with_day(15)
        .and_then(|d| d.checked_sub_months(Months::new(1)))
        .and_then(|d| d.and_hms_opt(12, 0, 0))
        .expect("date")
        .and_utc();
    Calendar {
        today,
        from,
        until,
        last_month,
    }
}

/// A monthly metric in input, judged on the AVERAGE of its measurements. `unit`: `MINUTES`,
/// `PERCENT`, …; `comparator`: `AT_MOST` or `AT_LEAST`.
pub fn metric(
    key: &str,
    unit: &str,
    comparator: &str,
    target: &str,
    warning: Option<&str>,
) -> Value {
    json!({
        "key": key,
        "name": format!("Metric {key}"),
        "kind": "CUSTOM",
        "unit": unit,
        "comparator": comparator,
        "target": target,
        "warningThreshold": warning,
        "period": "MONTHLY",
        "calculation": "AVERAGE",
    })
}

/// `frt`: first response in at most 60 minutes (warning from 45), monthly average.
pub fn frt_metric() -> Value {
    metric("frt", "MINUTES", "AT_MOST", "60", Some("45"))
}

/// A `SERVICE_CREDIT` rule on `metric`: `flat` % of the period fee, and 10 % once the
/// target is missed by 50 % or more.
pub fn credit_rule(metric: &str, flat: &str) -> Value {
    json!({
        "metricKey": metric,
        "kind": "SERVICE_CREDIT",
        "creditPercent": flat,
        "tiers": [{"missedByPercentAtLeast": "50", "creditPercent": "10"}],
    })
}

/// All five sections, complete and coherent, with these metrics and consequence rules: a
/// fee of 3000.00 EUR billed monthly, [`Calendar`]'s term, two clauses, a review every 3
/// months, auto-renewal for 12 months, 30 days' notice.
pub fn sections_with(metrics: Vec<Value>, consequences: Vec<Value>) -> Value {
    let cal = calendar();
    json!({
        "summary": {
            "title": "Managed support",
            "purpose": "First-line and second-line support for the client's staff.",
            "effectiveFrom": cal.from.to_string(),
            "effectiveUntil": cal.until.to_string(),
            "fee": {"amount": "3000.00", "currency": "EUR"},
            "billingCadence": "MONTHLY",
            "ourSignatory": "Ada Lovelace",
            "theirSignatory": "Charles Babbage",
        },
        "terms": {
            "clauses": [
                {"heading": "Scope", "body": "Support by email and phone on working days."},
                {"heading": "Payment", "body": "Invoices are payable within 30 days."},
            ],
            "scopeItems": ["email", "phone"],
            "paymentTermsDays": 30,
        },
        "performance": {"metrics": metrics},
        "consequences": consequences,
        "reviewAndTermination": {
            "reviewEveryMonths": 3,
            "autoRenew": true,
            "renewalTermMonths": 12,
            "noticePeriodDays": 30,
            "terminationConditions": ["Repeated breach of the response-time target"],
        },
    })
}

/// The standard complete sections: the `frt` metric with a 5 % flat / 10 % tiered credit,
/// and an `uptime` metric (at least 99.5 %, warning from 99.8) that escalates to the account
/// manager.
pub fn complete_sections() -> Value {
    sections_with(
        vec![
            frt_metric(),
            metric("uptime", "PERCENT", "AT_LEAST", "99.5", Some("99.8")),
        ],
        vec![
            credit_rule("frt", "5"),
            json!({"metricKey": "uptime", "kind": "ESCALATION", "escalateTo": "ACCOUNT_MANAGER"}),
        ],
    )
}

/// One measurement in input.
pub fn measurement(key: &str, value: &str, at: chrono::DateTime<chrono::Utc>) -> Value {
    json!({
        "metricKey": key,
        "value": value,
        "observedAt": at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "source": "monitoring",
    })
}

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
