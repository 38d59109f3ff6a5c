//! Creating, finding, updating and erasing contacts.

use rapport_domain::values::{Phone, PhoneNumber, PhoneType};
use rapport_integrations::{ContactSync, SyncError, SyncOutcome};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{
    API_KEY, body, calls, contact, creates_answer, digits, is_create, is_search, provider, remote,
    requests, searches_answer,
};

#[tokio::test]
async fn a_new_contact_is_searched_by_number_then_created_with_its_numbers_as_digits() {
    let server = MockServer::start().await;
    searches_answer(&server, vec![]).await;
    creates_answer(&server, 501).await;
    let mut ada = contact(1);
    ada.phones.push(Phone {
        number: PhoneNumber::parse("+44 20 7946 0958").expect("valid"),
        kind: PhoneType::Work,
    });

    let outcome = provider(&server).upsert(&ada).await;

    assert_eq!(outcome, Ok(SyncOutcome::with_external_id("501")));
    assert_eq!(
        calls(&server).await,
        [
            "POST /v2/contacts",
            "POST /v2/contacts",
            "POST /v2/contacts"
        ],
        "one search per number, then the create"
    );
    let searches = requests(&server, is_search).await;
    assert_eq!(
        body(&searches[0]),
        json!({"search": "33600000001", "limit_count": 50, "limit_offset": 0})
    );
    assert_eq!(body(&searches[1])["search"], "442079460958");
    let created = requests(&server, is_create).await;
    assert_eq!(
        body(&created[0]),
        json!({"contacts": [{
            "firstname": "Ada 1",
            "lastname": "Lovelace",
            "company": "Analytical Engines",
            "is_shared": true,
            "numbers": [
                {"number": 33_600_000_001u64, "type": "mobile"},
                {"number": 442_079_460_958u64, "type": "office"}
            ]
        }]})
    );
    for request in server.received_requests().await.unwrap_or_default() {
        assert_eq!(
            request.headers.get("authorization").map(|v| v.as_bytes()),
            Some(API_KEY.as_bytes()),
            "the raw key, no Bearer"
        );
    }
}

#[tokio::test]
async fn a_contact_found_by_number_is_updated_instead_of_created_so_a_crash_never_duplicates() {
    let server = MockServer::start().await;
    // What a crash after the create and before the api stored the id leaves behind, with a
    // company changed since.
    let left_behind = remote(77, "Ada 1", "Lovelace", "Old Company", &[digits(1)]);
    let stranger = remote(12, "Ada 1", "Lovelace", "", &[digits(1) * 10]);
    searches_answer(&server, vec![stranger, left_behind]).await;
    Mock::given(method("PUT"))
        .and(path("/v2/contacts/77"))
        .and(body_json(json!({
            "firstname": "Ada 1", "lastname": "Lovelace",
            "company": "Analytical Engines", "is_shared": true
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(is_create)
        .respond_with(ResponseTemplate::new(201))
        .expect(0)
        .mount(&server)
        .await;

    let outcome = provider(&server).upsert(&contact(1)).await;

    assert_eq!(outcome, Ok(SyncOutcome::with_external_id("77")));
    assert_eq!(
        calls(&server).await,
        ["POST /v2/contacts", "PUT /v2/contacts/77"]
    );
}

#[tokio::test]
async fn an_unchanged_contact_found_by_number_costs_only_the_search() {
    let server = MockServer::start().await;
    let same = remote(77, "Ada 1", "Lovelace", "Analytical Engines", &[digits(1)]);
    searches_answer(&server, vec![same]).await;

    let outcome = provider(&server).upsert(&contact(1)).await;

    assert_eq!(outcome, Ok(SyncOutcome::with_external_id("77")));
    assert_eq!(calls(&server).await, ["POST /v2/contacts"]);
}

#[tokio::test]
async fn a_contact_sharing_only_a_number_with_ours_is_not_taken_over() {
    let server = MockServer::start().await;
    let switchboard = remote(9, "Reception", "", "Analytical Engines", &[digits(1)]);
    searches_answer(&server, vec![switchboard]).await;
    creates_answer(&server, 502).await;

    let outcome = provider(&server).upsert(&contact(1)).await;

    assert_eq!(outcome, Ok(SyncOutcome::with_external_id("502")));
    assert!(
        calls(&server)
            .await
            .iter()
            .all(|c| !c.contains("/contacts/9"))
    );
}

#[tokio::test]
async fn a_known_contact_is_updated_by_its_external_id_without_searching() {
    let server = MockServer::start().await;
    let old_number = 33_611_111_111u64;
    Mock::given(method("GET"))
        .and(path("/v2/contacts/42"))
        .respond_with(ResponseTemplate::new(200).set_body_json(remote(
            42,
            "Ada 1",
            "Byron",
            "Analytical Engines",
            &[old_number],
        )))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/v2/contacts/42"))
        .and(body_json(json!({
            "firstname": "Ada 1", "lastname": "Lovelace",
            "company": "Analytical Engines", "is_shared": true
        })))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/contacts/42/numbers"))
        .and(body_json(
            json!({"numbers": [{"number": digits(1), "type": "mobile"}]}),
        ))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("/v2/contacts/42/numbers/{old_number}")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let mut ada = contact(1);
    ada.external_id = Some("42".into());

    let outcome = provider(&server).upsert(&ada).await;

    assert_eq!(outcome, Ok(SyncOutcome::with_external_id("42")));
    assert_eq!(
        calls(&server).await,
        [
            "GET /v2/contacts/42",
            "PUT /v2/contacts/42",
            "POST /v2/contacts/42/numbers",
            format!("DELETE /v2/contacts/42/numbers/{old_number}").as_str(),
        ],
        "no search, no create"
    );
}

#[tokio::test]
async fn a_known_contact_deleted_at_ringover_is_created_anew() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/contacts/42"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not found"})))
        .mount(&server)
        .await;
    searches_answer(&server, vec![]).await;
    creates_answer(&server, 503).await;
    let mut ada = contact(1);
    ada.external_id = Some("42".into());

    let outcome = provider(&server).upsert(&ada).await;

    assert_eq!(outcome, Ok(SyncOutcome::with_external_id("503")));
    assert_eq!(
        calls(&server).await,
        [
            "GET /v2/contacts/42",
            "POST /v2/contacts",
            "POST /v2/contacts"
        ]
    );
}

#[tokio::test]
async fn a_create_whose_answer_is_lost_is_found_by_the_retry_not_created_twice() {
    let server = MockServer::start().await;
    // First attempt: nothing found, the create succeeds but its answer carries no id.
    Mock::given(method("POST"))
        .and(is_search)
        .respond_with(ResponseTemplate::new(204))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(is_create)
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"status": "ok"})))
        .expect(1)
        .mount(&server)
        .await;
    // The retry's search finds what the first attempt created.
    searches_answer(
        &server,
        vec![remote(
            88,
            "Ada 1",
            "Lovelace",
            "Analytical Engines",
            &[digits(1)],
        )],
    )
    .await;
    let provider = provider(&server);

    let first = provider.upsert(&contact(1)).await;
    let retry = provider.upsert(&contact(1)).await;

    assert!(
        matches!(first, Err(SyncError::Retryable { .. })),
        "{first:?}"
    );
    assert_eq!(retry, Ok(SyncOutcome::with_external_id("88")));
}

#[tokio::test]
async fn a_contact_without_a_phone_number_is_not_sent() {
    let server = MockServer::start().await;
    let mut ada = contact(1);
    ada.phones.clear();

    let outcome = provider(&server).upsert(&ada).await;

    assert_eq!(outcome, Ok(SyncOutcome::default()));
    assert!(calls(&server).await.is_empty());
}

#[tokio::test]
async fn a_stored_id_that_is_not_numeric_is_refused_without_a_request() {
    let server = MockServer::start().await;
    let mut ada = contact(1);
    ada.external_id = Some("../users".into());
    let mut erased = rapport_integrations::testing::erased_contact(1);
    erased.external_id = Some("42?x=1".into());
    let provider = provider(&server);

    let upserted = provider.upsert(&ada).await;
    let erased = provider.erase(&erased).await;

    assert!(matches!(upserted, Err(SyncError::Permanent { .. })));
    assert!(matches!(erased, Err(SyncError::Permanent { .. })));
    assert!(calls(&server).await.is_empty());
}

#[tokio::test]
async fn erasing_deletes_the_contact_by_its_external_id() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/v2/contacts/42"))
        .and(header("authorization", API_KEY))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let mut erased = rapport_integrations::testing::erased_contact(1);
    erased.external_id = Some("42".into());

    assert_eq!(provider(&server).erase(&erased).await, Ok(()));
}

#[tokio::test]
async fn erasing_a_contact_ringover_no_longer_has_counts_as_done() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/v2/contacts/42"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not found"})))
        .expect(1)
        .mount(&server)
        .await;
    let mut erased = rapport_integrations::testing::erased_contact(1);
    erased.external_id = Some("42".into());

    assert_eq!(provider(&server).erase(&erased).await, Ok(()));
}

#[tokio::test]
async fn erasing_a_contact_never_synced_sends_nothing() {
    let server = MockServer::start().await;
    let mut erased = rapport_integrations::testing::erased_contact(1);
    erased.external_id = None;

    assert_eq!(provider(&server).erase(&erased).await, Ok(()));
    assert!(calls(&server).await.is_empty());
}
