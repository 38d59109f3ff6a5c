//! Events leaving the outbox: the catalogue, payloads and their projection per reader, the
//! relay, the webhook fan-out and the dispatcher, GraphQL subscriptions and the notification
//! inbox.

mod backlog;
mod catalogue;
mod dispatch;
mod inbox;
mod redelivery;
mod relay;
mod subscriptions;
mod subscriptions_bounds;
mod subscriptions_process;
mod support;
mod webhooks_endpoints;
mod webhooks_send;
mod ws;

use rapport_api::global_id::{self, Kind};
use rapport_api::store::NewWebhookEndpoint;
use rapport_tests::TestApp;
use serde_json::json;

/// The raw key of a global id of `kind`.
pub(crate) fn raw(kind: Kind, id: &str) -> i64 {
    global_id::decode(kind, id).expect("a global id of the expected kind")
}

/// The bootstrap admin's raw member id.
pub(crate) async fn admin_id(app: &TestApp) -> i64 {
    app.store
        .team_member_by_subject("bootstrap-admin")
        .await
        .expect("read")
        .expect("bootstrap admin")
        .id
        .get()
}

/// Who an endpoint belongs to and what it filters on.
#[derive(Debug, Default, Clone)]
pub(crate) struct EndpointSpec {
    pub owner_member_id: Option<i64>,
    pub partner_id: Option<i64>,
    pub event_types: Vec<&'static str>,
    pub account_id: Option<i64>,
}

/// Creates an endpoint pointing at `url` and returns its raw id.
pub(crate) async fn endpoint(app: &TestApp, url: &str, spec: EndpointSpec) -> i64 {
    app.store
        .add_webhook_endpoint(NewWebhookEndpoint {
            owner_member_id: spec.owner_member_id,
            partner_id: spec.partner_id,
            url: url.to_owned(),
            event_types: spec.event_types.iter().map(|t| (*t).to_owned()).collect(),
            account_id: spec.account_id,
            secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned(),
            created_by: "bootstrap-admin".to_owned(),
            now: chrono::Utc::now(),
        })
        .await
        .expect("endpoint created")
}

/// Renames an account (one `account.updated` event).
pub(crate) async fn rename(app: &TestApp, account: &str, version: i64, name: &str) {
    app.gql(
        "mutation($input: UpdateAccountInput!) { updateAccount(input: $input) { account { version } } }",
        json!({"input": {"accountId": account, "expectedVersion": version, "name": name}}),
    )
    .await
    .ok();
}
