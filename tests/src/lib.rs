#![doc = include_str!("../README.md")]

pub mod banner;
pub mod documents;
pub mod mock;
pub mod otlp;
pub mod receiver;
pub mod webhook_receiver;

mod agreements;
mod app;
mod gql;
mod sections;

use std::time::Duration;

use rapport_api::config::Settings;
use rapport_api::events::EventsHandle;
use rapport_api::startup::Application;
use rapport_api::store::{Store, create_postgres_database};
use rapport_api::sync::SyncHandle;
use rapport_integrations::Registry;

pub use agreements::{AGREEMENT_FIELDS, AgreementFixture};
pub use gql::Gql;
pub use sections::{
    Calendar, calendar, complete_sections, credit_rule, earlier_today, frt_metric, measurement,
    metric, sections_with,
};

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
