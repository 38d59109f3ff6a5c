//! HTTP: routes, the GraphQL-over-HTTP handler, request ids, health.

mod graphiql;
mod graphql;
mod health;
mod metrics;
mod negotiate;
mod request_id;

use std::sync::Arc;

use actix_web::web;

use crate::auth::jwt::JwtKeys;
use crate::config::Settings;
use crate::graphql::AppSchema;
use crate::store::Store;

pub use request_id::{RequestId, request_id_middleware};

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The executable schema.
    pub schema: AppSchema,
    /// Token keys.
    pub keys: Arc<JwtKeys>,
    /// Settings.
    pub settings: Arc<Settings>,
    /// Contact-sync providers enabled.
    pub providers: Arc<[String]>,
    /// The registered contact-sync providers.
    pub registry: Arc<rapport_integrations::Registry>,
    /// Contact-sync job counters of this process, for `/metrics`.
    pub counters: Arc<rapport_integrations::Counters>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

/// Registers every route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/graphql", web::post().to(graphql::post))
        .route("/graphql", web::get().to(graphql::get))
        .route(
            "/graphql/schema.graphql",
            web::get().to(graphql::schema_sdl),
        )
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(metrics::metrics))
        .configure(crate::webhooks::routes);
}
