//! Building and running the server: `Application::build` binds (port 0 picks a free port, as
//! tests do) and `run_until_stopped` serves until SIGINT/SIGTERM, letting in-flight requests
//! finish.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{Condition, DefaultHeaders, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;
use chrono::Utc;

use crate::auth::jwt::JwtKeys;
use crate::config::Settings;
use crate::events::EventsHandle;
use crate::graphql::build_schema;
use crate::http::{
    AppState, Edge, PersistedQueries, body_deadline_middleware, rate_limit_middleware,
    request_id_middleware, routes,
};
use crate::service::ensure_bootstrap_admin;
use crate::store::Store;
use crate::sync::SyncHandle;
use rapport_integrations::Registry;

mod open;

use open::events_store;
pub use open::{ensure_data_dir, open_store, open_store_to_serve};

/// A built, bound server.
pub struct Application {
    port: u16,
    server: Server,
    store: Store,
    keys: Arc<JwtKeys>,
    settings: Arc<Settings>,
    bootstrapped: bool,
    sync: SyncHandle,
    events: EventsHandle,
    traces: Option<Arc<crate::traces::Traces>>,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

/// Loads the pepper API keys are hashed under (generating it in the data folder on first use
/// when none is configured).
pub fn load_api_keys(settings: &Settings) -> anyhow::Result<crate::auth::api_key::ApiKeys> {
    let pepper = crate::auth::api_key::load_pepper(
        settings.auth.api_key_pepper.as_ref(),
        settings.auth.api_key_pepper_file.as_deref(),
        &settings.data_dir,
    )
    .map_err(|e| anyhow::anyhow!("cannot load the API key pepper: {e}"))?;
    Ok(crate::auth::api_key::ApiKeys::new(pepper))
}

/// Loads the token keys (generating the HS256 secret in the data folder on first use).
pub fn load_keys(settings: &Settings) -> anyhow::Result<JwtKeys> {
    ensure_data_dir(settings)?;
    anyhow::ensure!(
        settings.auth.partner_token_max_days <= i64::from(settings.jwt.max_token_lifetime_days),
        "auth.partner_token_max_days ({}) is above jwt.max_token_lifetime_days ({}): partner \
         tokens that long would be refused; lower the one or raise the other",
        settings.auth.partner_token_max_days,
        settings.jwt.max_token_lifetime_days
    );
    JwtKeys::from_settings(&settings.jwt, &settings.data_dir).context("cannot load JWT keys")
}

impl Application {
    /// Connects, migrates, bootstraps the first admin on an empty database, and binds, with
    /// the contact-sync providers the settings enable.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let registry = crate::providers::registry(&settings)?;
        Self::build_with(settings, registry).await
    }

    /// [`Application::build`] with the given contact-sync providers (tests register fakes).
    pub async fn build_with(settings: Settings, registry: Registry) -> anyhow::Result<Self> {
        settings.validate()?;
        // Building the schema is the start's largest piece of computing: it runs on a blocking
        // thread while the database is opened and checked, which is mostly waiting.
        let graphql = settings.graphql.clone();
        let schema = tokio::task::spawn_blocking(move || build_schema(&graphql));
        let edge = Arc::new(Edge::new(&settings).map_err(anyhow::Error::msg)?);
        if settings.graphql.graphiql
            && settings.graphql.graphiql_assets_url.trim().is_empty()
            && !crate::http::graphiql::embedded()
        {
            tracing::warn!(
                cdn = crate::http::graphiql::FALLBACK_CDN,
                "GraphiQL's browser bundles are not built into this binary (run \
                 api/graphiql/build.sh, then cargo build): the GraphiQL page loads the same \
                 pinned, integrity-checked files from the CDN, which needs internet"
            );
        }
        let persisted = Arc::new(
            PersistedQueries::from_settings(&settings.graphql)
                .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?,
        );
        let registry = Arc::new(registry);
        let providers: Arc<[String]> = registry.names().iter().map(|n| (*n).to_owned()).collect();
        let store = open_store_to_serve(&settings).await?;
        // Authentication answers from memory only while this process hears every change.
        store.watch_auth_changes(&settings.store()).await;
        let sync = SyncHandle::new(store.clone(), registry, &settings.sync)?;
        let events = EventsHandle::new(events_store(&settings, &store).await?, &settings.events)
            .map_err(|e| anyhow::anyhow!("cannot start the event relay: {e}"))?;
        let keys = Arc::new(load_keys(&settings)?);
        prime_provider_keys(&keys).await;
        let api_keys = Arc::new(load_api_keys(&settings)?);
        let bootstrapped = ensure_bootstrap_admin(&store, &settings.auth, Utc::now())
            .await
            .map_err(|e| anyhow::anyhow!("cannot create the bootstrap admin: {e}"))?
            .is_some();
        let settings = Arc::new(settings);
        let address = format!("{}:{}", settings.http.host, settings.http.port);
        let listener =
            TcpListener::bind(&address).with_context(|| format!("cannot listen on {address}"))?;
        let port = listener.local_addr()?.port();
        let traces = crate::traces::Traces::start(&settings.telemetry)
            .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
        let state = AppState {
            store: store.clone(),
            schema: schema.await.context("cannot build the GraphQL schema")?,
            keys: keys.clone(),
            api_keys,
            settings: settings.clone(),
            providers,
            registry: sync.registry().clone(),
            counters: sync.counters().clone(),
            edge,
            persisted,
            subscriptions: Arc::new(crate::http::ws::Subscriptions::new(
                store.clone(),
                &settings.events.subscriptions,
            )),
            metrics: Arc::new(
                crate::http::metrics::Metrics::new(settings.telemetry.operation_names)
                    .with_traces(traces.as_deref().map(crate::traces::Traces::counts)),
            ),
            traces: traces.clone(),
        };
        let traced = traces.is_some();
        let data = web::Data::new(state);
        data.store.observe_acquires(data.metrics.pool_waits());
        let connections = Arc::new(data.metrics.connections());
        let http = settings.http.clone();
        let mut server = HttpServer::new(move || {
            // The last `wrap` runs first: request id and client address, then CORS, then the
            // limits, then the body deadline; the default headers go on every answer, 429 and
            // 408 included. CORS sits outside the limits so that a 429 still carries
            // `Access-Control-Allow-Origin` (a page can read it and back off), and a preflight,
            // a static answer a browser sends before its real request, is not counted against
            // the real request's budget.
            let (cors_on, cors) = crate::http::cors_middleware(&http);
            App::new()
                .wrap(from_fn(body_deadline_middleware))
                .wrap(from_fn(rate_limit_middleware))
                .wrap(Condition::new(cors_on, cors))
                .wrap(from_fn(request_id_middleware))
                .wrap(Condition::new(
                    traced,
                    from_fn(crate::traces::trace_middleware),
                ))
                .wrap(
                    DefaultHeaders::new()
                        .add(("x-content-type-options", "nosniff"))
                        .add(("cache-control", "no-store")),
                )
                .app_data(data.clone())
                .configure(routes)
        })
        .on_connect(connections.on_connect())
        .shutdown_timeout(settings.http.shutdown_timeout_secs)
        .client_request_timeout(Duration::from_secs(30));
        if settings.http.workers > 0 {
            server = server.workers(settings.http.workers);
        }
        let server = server.listen(listener)?.run();
        Ok(Self {
            port,
            server,
            store,
            keys,
            settings,
            bootstrapped,
            sync,
            events,
            traces,
        })
    }

    /// The traces this server exports, when `telemetry.otlp_endpoint` is set (tests flush them).
    pub fn traces(&self) -> Option<&Arc<crate::traces::Traces>> {
        self.traces.as_ref()
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The database (tests inspect it).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Builds contact-sync workers over this application's database and counters (tests drive
    /// delivery with them).
    pub fn sync(&self) -> &SyncHandle {
        &self.sync
    }

    /// The event relay and webhook dispatcher over this application's database (tests drive
    /// them step by step with a clock of their choosing).
    pub fn events(&self) -> &EventsHandle {
        &self.events
    }

    /// Whether this start created the bootstrap admin (the database was empty).
    pub fn bootstrapped(&self) -> bool {
        self.bootstrapped
    }

    /// Whether this server can mint tokens; a verify-only setup (an asymmetric algorithm
    /// with public keys and no private key) cannot: its tokens come from an identity provider.
    pub fn can_mint(&self) -> bool {
        self.keys.signing_algorithm().is_some()
    }

    /// Mints a short-lived token for a team member, as `rapport token` does.
    pub async fn operator_token(&self, subject: &str) -> anyhow::Result<String> {
        operator_token(&self.store, &self.keys, &self.settings, subject).await
    }

    /// Runs import jobs over this application's database and providers (tests drive jobs
    /// with it).
    pub fn import_runner(&self) -> crate::service::import_jobs::JobRunner {
        crate::service::import_jobs::JobRunner::new(
            self.store.clone(),
            self.sync.registry().clone(),
            Duration::from_secs(self.settings.imports.lease_secs),
        )
    }

    /// Serves until the process is asked to stop. The agreement scheduler runs beside the
    /// server every `scheduler.interval_secs`, and the event relay with the webhook dispatcher
    /// when `events.relay_in_server`; both stop with it.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let scheduler = (self.settings.scheduler.interval_secs > 0).then(|| {
            let store = self.store.clone();
            let every = Duration::from_secs(self.settings.scheduler.interval_secs);
            tokio::spawn(async move {
                let mut ticks = tokio::time::interval(every);
                ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    ticks.tick().await;
                    match crate::service::run_scheduler(&store, Utc::now()).await {
                        Ok(report) if report.events > 0 => tracing::info!(
                            examined = report.examined,
                            events = report.events,
                            "scheduler run"
                        ),
                        Ok(_) => {}
                        Err(err) => tracing::error!(error = %err, "scheduler run failed; retrying next tick"),
                    }
                }
            })
        });
        let worker = (!self.sync.registry().names().is_empty() && self.settings.sync.run_in_server)
            .then(|| {
                let sync = self.sync.clone();
                let every = Duration::from_millis(self.settings.sync.poll_ms);
                // Aborted with the server: its per-provider loops stop with it.
                let running = Arc::new(std::sync::atomic::AtomicBool::new(false));
                tokio::spawn(async move {
                    sync.run(format!("server-{}", std::process::id()), every, running)
                        .await;
                })
            });
        let imports = self.settings.imports.run_in_server.then(|| {
            let runner = self.import_runner();
            let idle = Duration::from_millis(self.settings.imports.poll_ms.max(1));
            // Aborted with the server: a job cut short is taken up again when its lease expires.
            let running = Arc::new(std::sync::atomic::AtomicBool::new(false));
            tokio::spawn(async move { runner.run(idle, running).await })
        });
        let stop_events = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let relay = self.settings.events.relay_in_server.then(|| {
            let events = self.events.clone();
            let stop = stop_events.clone();
            tokio::spawn(async move {
                events
                    .run(format!("server-{}", std::process::id()), stop)
                    .await;
            })
        });
        let result = self.server.await;
        if let Some(traces) = self.traces.clone() {
            let _ = tokio::task::spawn_blocking(move || traces.shutdown()).await;
        }
        for task in [scheduler, worker, imports].into_iter().flatten() {
            task.abort();
        }
        // The relay finishes its current batch and attempts, then stops.
        stop_events.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(relay) = relay {
            let _ = tokio::time::timeout(
                Duration::from_secs(self.settings.events.webhooks.timeout_secs + 5),
                relay,
            )
            .await;
        }
        result
    }
}

/// Fetches the identity provider's keys once before serving, bounded by
/// `jwt.jwks_timeout_seconds`. A provider that is down does not stop the server: it starts
/// degraded (Rapport's own tokens work; provider tokens are refused until a fetch, retried at
/// most every `jwt.jwks_refresh_seconds`, succeeds).
async fn prime_provider_keys(keys: &JwtKeys) {
    if let Some(provider) = keys.provider()
        && !provider.keys().prime().await
    {
        tracing::error!(
            "starting without the identity provider's keys (jwt.jwks_url): its tokens are \
             refused until it can be fetched"
        );
    }
}

/// What an operator of a verify-only setup does instead of asking Rapport for a token.
pub fn identity_provider_instructions(settings: &Settings, subject: &str, role: &str) -> String {
    let jwt = &settings.jwt;
    let algorithms: Vec<&str> = jwt.algorithms.iter().map(|a| a.as_str()).collect();
    let keys = match (&jwt.jwks_file, &jwt.public_key_pem) {
        (Some(jwks), _) => format!(
            "a key of the JWKS file {} (the token's `kid` naming it)",
            jwks.display()
        ),
        (None, Some(pem)) => format!("the private key of {}", pem.display()),
        (None, None) => "your identity provider's key".to_owned(),
    };
    format!(
        "This server only verifies tokens (no signing key: jwt.private_key_pem is not set), so \
         it cannot mint one: tokens come from your identity provider. Sign one with \
         sub={subject}, role={role}, iss={}, aud={}, a unique jti, iat and exp (at most {} \
         days apart), with {} using {keys}.",
        jwt.issuer,
        jwt.audience,
        jwt.max_token_lifetime_days,
        algorithms.join(" or "),
    )
}

/// Mints a token for the team member with `subject`, carrying their current role.
pub async fn operator_token(
    store: &Store,
    keys: &JwtKeys,
    settings: &Settings,
    subject: &str,
) -> anyhow::Result<String> {
    if keys.signing_algorithm().is_none() {
        anyhow::bail!(
            "cannot mint a token for `{subject}`. {}",
            identity_provider_instructions(settings, subject, "<their role>")
        );
    }
    let member = store
        .team_member_by_subject(subject)
        .await?
        .with_context(|| format!("no team member has the subject `{subject}`"))?;
    anyhow::ensure!(member.active, "team member `{subject}` is deactivated");
    let (token, _, _) = keys.mint(
        subject,
        member.role.as_str(),
        None,
        chrono::Duration::minutes(settings.auth.operator_token_minutes),
        Utc::now(),
    )?;
    Ok(token)
}
