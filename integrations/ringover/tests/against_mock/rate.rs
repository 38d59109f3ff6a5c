//! The provider keeps to its configured request rate, counting every request.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rapport_integrations::ContactSync;
use rapport_ringover::RingoverProvider;
use serde_json::json;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::support::{config, contact, is_search};

/// Answers searches with nothing and creates with an id, noting when each request arrived.
#[derive(Clone, Default)]
struct Clocked {
    arrivals: Arc<Mutex<Vec<Instant>>>,
}

impl Respond for Clocked {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.arrivals
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Instant::now());
        if is_search(request) {
            ResponseTemplate::new(200).set_body_json(json!({"contact_list": []}))
        } else {
            ResponseTemplate::new(201).set_body_json(json!({"contact_id": 1}))
        }
    }
}

#[tokio::test]
async fn concurrent_syncs_together_stay_under_the_configured_request_rate() {
    let server = MockServer::start().await;
    let clocked = Clocked::default();
    Mock::given(wiremock::matchers::method("POST"))
        .respond_with(clocked.clone())
        .mount(&server)
        .await;
    // 20 per second: one request every 50 ms.
    let provider = Arc::new(
        RingoverProvider::new(&config(&server).with_requests_per_second(20.0))
            .expect("a valid config"),
    );

    let mut syncs = tokio::task::JoinSet::new();
    for n in 1..=4 {
        let provider = Arc::clone(&provider);
        syncs.spawn(async move { provider.upsert(&contact(n)).await });
    }
    while let Some(done) = syncs.join_next().await {
        assert!(done.expect("the sync ran").is_ok());
    }

    let mut arrivals = clocked
        .arrivals
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    arrivals.sort();
    assert_eq!(arrivals.len(), 8, "a search and a create per contact");
    // 50 ms apart at the source. Arrivals jitter on a busy machine, so count per window
    // rather than timing each gap: 2 fit in any 100 ms, one more allowed for the jitter.
    let busiest = arrivals
        .iter()
        .map(|&from| {
            arrivals
                .iter()
                .filter(|&&t| t >= from && t - from < Duration::from_millis(100))
                .count()
        })
        .max()
        .unwrap_or(0);
    assert!(busiest <= 3, "{busiest} requests within 100 ms");
    let span = arrivals[7] - arrivals[0];
    assert!(
        span >= Duration::from_millis(300),
        "8 requests over {span:?}"
    );
}
