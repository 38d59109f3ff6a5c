//! A mock Ringover and the provider pointed at it.

use std::time::Duration;

use rapport_integrations::SyncContact;
use rapport_ringover::{RingoverConfig, RingoverProvider};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub const API_KEY: &str = "test-api-key";
pub const WEBHOOK_SECRET: &str = "test-webhook-secret";

/// A config pointed at `server`, fast enough for tests (100 requests per second).
pub fn config(server: &MockServer) -> RingoverConfig {
    RingoverConfig::new(API_KEY.into(), WEBHOOK_SECRET.into())
        .with_base_url(format!("{}/v2", server.uri()))
        .with_timeout(Duration::from_secs(5))
        .with_requests_per_second(100.0)
}

pub fn provider(server: &MockServer) -> RingoverProvider {
    RingoverProvider::new(&config(server)).expect("a valid config")
}

/// Contact `n` of the core fixtures: `Ada n Lovelace`, Analytical Engines, mobile `+336{n:08}`.
pub fn contact(n: i64) -> SyncContact {
    rapport_integrations::testing::sync_contact(n)
}

/// The digits Ringover stores for contact `n`'s number.
pub fn digits(n: i64) -> u64 {
    33_600_000_000 + u64::try_from(n).expect("a small positive n")
}

/// A contact as Ringover answers it.
pub fn remote(id: u64, first: &str, last: &str, company: &str, numbers: &[u64]) -> Value {
    json!({
        "contact_id": id,
        "firstname": first,
        "lastname": last,
        "company": company,
        "is_shared": true,
        "numbers": numbers.iter().map(|n| json!({
            "number": n, "type": "mobile",
            "format": {"raw": n, "international": format!("+{n}")}
        })).collect::<Vec<_>>(),
        "creation_date": "2024-05-01 10:00:00"
    })
}

/// Whether a request is a search (`POST /contacts` with a filter).
pub fn is_search(request: &Request) -> bool {
    body(request).get("search").is_some()
}

/// Whether a request creates contacts (`POST /contacts` with `contacts`).
pub fn is_create(request: &Request) -> bool {
    body(request).get("contacts").is_some()
}

pub fn body(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap_or(Value::Null)
}

/// Answers searches with `found`.
pub async fn searches_answer(server: &MockServer, found: Vec<Value>) {
    Mock::given(method("POST"))
        .and(path("/v2/contacts"))
        .and(is_search)
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"total_contact_count": found.len(), "contact_list": found})),
        )
        .mount(server)
        .await;
}

/// Answers creates with the new contact `id` inside `contact_list`.
pub async fn creates_answer(server: &MockServer, id: u64) {
    Mock::given(method("POST"))
        .and(path("/v2/contacts"))
        .and(is_create)
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"contact_list": [{"contact_id": id}]})),
        )
        .mount(server)
        .await;
}

/// The requests the mock received, as `METHOD /path`.
pub async fn calls(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect()
}

/// The received requests that match `filter`.
pub async fn requests(server: &MockServer, filter: impl Fn(&Request) -> bool) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| filter(r))
        .collect()
}
