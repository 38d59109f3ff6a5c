//! No input reaches INTERNAL. The schema is walked by introspection; every argument of every
//! query and mutation field, and every field of the input objects reachable from it, is sent
//! wrong values (a wrong JSON type, null where a value is required, a malformed string for
//! each custom scalar and enum), once in variables and once inline. Nothing may answer
//! INTERNAL; a value of the wrong type must answer BAD_USER_INPUT naming the field; and the
//! server, a real `rapport` process logging JSON, must write no ERROR line.

mod schema;
mod server;
mod values;
mod walk;

use std::collections::HashSet;
use std::time::Duration;

use futures_util::StreamExt as _;
use serde_json::{Value, json};

use schema::introspect;
use server::{post, start_server};
use walk::{check, probes};

#[tokio::test]
async fn no_wrong_input_anywhere_in_the_schema_answers_internal_or_logs_an_error() {
    let server = start_server().await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let schema = introspect(&client, &server).await;
    assert!(
        schema.roots.iter().any(|r| r.name == "recordMeasurements"),
        "the walk covers the mutations"
    );
    let probes = probes(&schema);
    let fields: HashSet<&str> = probes.iter().map(|p| p.field.as_str()).collect();
    assert!(
        probes.len() > 1_000 && fields.contains("measurements[0].observedAt"),
        "the walk reaches nested input fields ({} probes)",
        probes.len()
    );

    let failures: Vec<String> = futures_util::stream::iter(probes.iter())
        .map(|probe| {
            let client = &client;
            let server = &server;
            async move {
                let (status, body) = post(client, server, &probe.query, &probe.variables).await;
                check(probe, status, &body)
            }
        })
        .buffer_unordered(8)
        .filter_map(|failure| async move { failure })
        .collect()
        .await;
    assert!(
        failures.is_empty(),
        "{} of {} probes failed; the first ones:\n{}",
        failures.len(),
        probes.len(),
        failures
            .iter()
            .take(25)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );

    // The server is still up, and its log says what it refused and holds no ERROR line.
    let (_, alive) = post(&client, &server, "{ viewer { role } }", &json!({})).await;
    assert_eq!(alive["data"]["viewer"]["role"], "ADMIN", "{alive}");
    let log = std::fs::read_to_string(&server.log).expect("the server's log");
    let lines: Vec<Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let finished = lines
        .iter()
        .filter(|l| {
            let line = l.to_string();
            line.contains("request finished") || line.contains("request refused")
        })
        .count();
    assert!(
        finished > probes.len(),
        "the log is captured: {finished} requests logged for {} probes",
        probes.len()
    );
    let errors: Vec<&Value> = lines.iter().filter(|l| l["level"] == "ERROR").collect();
    assert!(
        errors.is_empty(),
        "{} ERROR lines, the first ones: {:?}",
        errors.len(),
        errors.iter().take(5).collect::<Vec<_>>()
    );
}
