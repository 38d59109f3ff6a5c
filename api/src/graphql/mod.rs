//! The GraphQL schema: one module per area, merged into one query and one mutation root.

mod account;
mod account_domains;
mod agreement;
mod audit;
pub mod coercion;
mod connection;
mod contact;
pub mod context;
mod credentials;
mod documents;
mod enums;
pub mod error;
mod event_types;
mod execute;
pub(crate) mod export_filter;
mod filter_text;
mod filters;
pub mod guard;
mod ids;
mod import;
mod interaction;
mod interaction_record;
pub mod limits;
mod loaders;
mod node;
mod notifications;
mod order;
mod pagination;
mod partner;
mod people;
mod prime;
mod scalars;
#[cfg(test)]
mod schema_tests;
mod sections;
mod subscription;
mod sync;
mod team;
mod traced;
mod webhooks;

use std::sync::Arc;

use async_graphql::{MergedObject, Schema};

pub use subscription::Subscription;

use crate::config::GraphqlSettings;

/// The query root.
#[derive(MergedObject, Default, Debug)]
pub struct Query(
    node::NodeQueries,
    account::AccountQueries,
    agreement::AgreementQueries,
    contact::ContactQueries,
    team::TeamQueries,
    partner::PartnerQueries,
    credentials::CredentialQueries,
    audit::AuditQueries,
    event_types::EventTypeQueries,
    filters::CreditQueries,
    sync::SyncQueries,
    webhooks::WebhookQueries,
    import::ImportJobQueries,
);

/// The mutation root.
#[derive(MergedObject, Default, Debug)]
pub struct Mutation(
    account::AccountMutations,
    account_domains::AccountDomainMutations,
    agreement::AgreementMutations,
    contact::ContactMutations,
    interaction_record::InteractionMutations,
    team::TeamMutations,
    partner::PartnerMutations,
    credentials::CredentialMutations,
    sync::SyncMutations,
    sync::SyncAdminMutations,
    webhooks::WebhookMutations,
    notifications::NotificationMutations,
    import::ImportMutations,
    import::ImportJobMutations,
);

pub use execute::{AppSchema, ExecSchema, FreshMutation};
pub use traced::TracedQuery;

/// Builds the schema with the configured limits. The guard bounds the work of every document
/// before async-graphql parses it again or validates it, and holds data fields to
/// `max_depth` and introspection (under `__schema` / `__type`) to its own
/// `max_introspection_depth`, so tooling's standard introspection query is never held to the
/// data limit; then it prices the operation with the cost model (`max_complexity`, see
/// [`guard::model`]), which replaces async-graphql's field count. async-graphql's recursion
/// and directive limits stay as a second line (its depth limit is not used: it would count
/// introspection against the data limit). With introspection off, "Did you mean …"
/// suggestions are off too: they would name fields. The guard runs in [`AppSchema`], not as
/// an extension (see `execute`).
pub fn build_schema(settings: &GraphqlSettings) -> AppSchema {
    let mut builder = Schema::build(
        TracedQuery::default(),
        FreshMutation::default(),
        Subscription::default(),
    )
    .limit_directives(settings.max_directives)
    .limit_recursive_depth(settings.max_nesting);
    if !settings.introspection {
        builder = builder.disable_introspection().disable_suggestions();
    }
    let schema = builder.finish();
    // The cost model's shapes come from this schema's own SDL: the same types as the bare
    // roots' (see [`shapes`]), without building the schema a second time at start-up.
    let guard = guard::QueryGuard {
        limits: guard::GuardLimits::from_settings(settings),
        shapes: Arc::new(guard::Shapes::from_sdl(&schema.sdl())),
    };
    AppSchema::new(
        schema,
        guard,
        settings.introspection,
        settings.document_cache_size,
    )
}

/// The schema in SDL, as served at `/graphql/schema.graphql` and printed by `rapport schema`.
pub fn sdl() -> String {
    sdl_of(&build_schema(&GraphqlSettings::default()))
}

/// The SDL of a built schema, with `@specifiedBy(url:)` on the scalars that follow a standard
/// (async-graphql leaves the directive out unless asked).
pub fn sdl_of(schema: &AppSchema) -> String {
    schema
        .schema()
        .sdl_with_options(async_graphql::SDLExportOptions::new().include_specified_by())
}

/// The field shapes the cost model reads, from the SDL of the schema without its
/// extensions (the same types and fields).
pub fn shapes() -> guard::Shapes {
    let bare = Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .finish();
    guard::Shapes::from_sdl(&bare.sdl())
}

#[cfg(test)]
mod tests {
    /// `build_schema` reads the cost model's shapes from the served schema instead of building
    /// the bare roots a second time: both must describe the same types, with or without
    /// introspection.
    #[test]
    fn the_served_schema_describes_the_same_types_as_the_bare_roots() {
        use async_graphql::Schema;

        let bare = Schema::build(
            super::Query::default(),
            super::Mutation::default(),
            super::Subscription::default(),
        )
        .finish()
        .sdl();
        for introspection in [true, false] {
            let settings = crate::config::GraphqlSettings {
                introspection,
                ..crate::config::GraphqlSettings::default()
            };
            assert_eq!(super::build_schema(&settings).schema().sdl(), bare);
        }
    }

    #[test]
    fn the_schema_matches_its_reviewed_snapshot() {
        insta::assert_snapshot!("schema", super::sdl());
    }
}
