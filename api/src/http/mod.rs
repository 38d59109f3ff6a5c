//! HTTP: routes, the GraphQL-over-HTTP handler, request ids, health.

mod body_deadline;
mod client_addr;
mod cors;
mod export;
pub mod graphiql;
pub(crate) mod graphql;
mod health;
mod import_report;
pub mod metrics;
mod negotiate;
mod params;
mod persisted;
mod rate_limit;
mod refusal_log;
mod request_id;
mod upload;
pub mod ws;

use std::sync::Arc;

use actix_web::web;

use crate::auth::jwt::JwtKeys;
use crate::config::Settings;
use crate::graphql::AppSchema;
use crate::store::Store;

pub use body_deadline::body_deadline_middleware;
pub use client_addr::{ClientAddr, TrustedProxies};
pub use cors::{ALLOWED_HEADERS, AllowedOrigins, EXPOSED_HEADERS, middleware as cors_middleware};
pub use persisted::PersistedQueries;
pub use rate_limit::{Decision, Limits, rate_limit_middleware};
pub use refusal_log::{RefusalLog, RefusalReason};
pub use request_id::{RequestId, request_id_middleware};

/// What every request passes through before its handler: the limits, the trusted proxies and
/// the refusal-log sampler of this server.
#[derive(Debug)]
pub struct Edge {
    /// Rate limits.
    pub limits: Limits,
    /// Proxies whose forwarding headers are believed.
    pub proxies: TrustedProxies,
    /// The sampler of refusal log lines.
    pub refusals: RefusalLog,
}

impl Edge {
    /// The edge `settings` describe.
    ///
    /// # Errors
    /// A `http.trusted_proxies` entry that is not an address or block, named.
    pub fn new(settings: &Settings) -> Result<Self, String> {
        Ok(Self {
            limits: Limits::new(&settings.rate_limit),
            proxies: TrustedProxies::parse(&settings.http.trusted_proxies)?,
            refusals: RefusalLog::new(
                settings.log.refusal_lines,
                std::time::Duration::from_secs(settings.log.refusal_window_secs),
            ),
        })
    }
}

/// Marks the request as refused for `reason`, for its log line (written sampled).
pub fn note_refusal(req: &actix_web::HttpRequest, reason: impl Into<String>) {
    actix_web::HttpMessage::extensions_mut(req).insert(RefusalReason(reason.into()));
}

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The executable schema.
    pub schema: AppSchema,
    /// Token keys.
    pub keys: Arc<JwtKeys>,
    /// API key hashing (the pepper) and last-use pacing.
    pub api_keys: Arc<crate::auth::api_key::ApiKeys>,
    /// Settings.
    pub settings: Arc<Settings>,
    /// Contact-sync providers enabled.
    pub providers: Arc<[String]>,
    /// The registered contact-sync providers.
    pub registry: Arc<rapport_integrations::Registry>,
    /// Contact-sync job counters of this process, for `/metrics`.
    pub counters: Arc<rapport_integrations::Counters>,
    /// Limits, trusted proxies, refusal-log sampling.
    pub edge: Arc<Edge>,
    /// Automatic persisted queries and trusted documents.
    pub persisted: Arc<PersistedQueries>,
    /// GraphQL subscriptions of this process: the event broker and connection counts.
    pub subscriptions: Arc<ws::Subscriptions>,
    /// The series of `/metrics`.
    pub metrics: Arc<metrics::Metrics>,
    /// OpenTelemetry traces, when `telemetry.otlp_endpoint` is set.
    pub traces: Option<Arc<crate::traces::Traces>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

/// Registers every route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/graphql", web::post().to(graphql::post))
        .route(
            "/graphql",
            web::get()
                .guard(actix_web::guard::fn_guard(|ctx| ws::is_upgrade(ctx.head())))
                .to(ws::upgrade),
        )
        .route("/graphql", web::get().to(graphql::get))
        .route(
            "/graphql/schema.graphql",
            web::get().to(graphql::schema_sdl),
        )
        .route(
            &format!("{}/{{name}}", graphiql::ASSET_PATH),
            web::get().to(graphiql::asset),
        )
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(metrics::metrics))
        .route("/export/{file}", web::get().to(export::export))
        .route(
            "/imports/{id}/errors.csv",
            web::get().to(import_report::errors),
        )
        .configure(crate::webhooks::routes);
}
