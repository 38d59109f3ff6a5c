//! The time to refuse each hostile document, beside the time of the largest accepted query
//! (issue 10, point 1).
//!
//! Run: `cargo bench -p rapport-tests --bench query_guard` (release build). `BENCH_RUNS`
//! (default 201) sets the timed runs per document, after 10 untimed ones.
//!
//! Method: one process starts the real application (`spawn_app`: SQLite, one HTTP worker,
//! default limits except a 128 KiB document size so that the 1,000-level chain reaches the
//! guard instead of the size check), seeds a client account with 100 contacts, and then,
//! one document at a time, POSTs it again and again over a kept-alive connection, timing each
//! round trip from send to the last byte of the answer. It reports the median and the 90th
//! percentile. Hostile documents are sent with a partner token, the page with the admin's;
//! each answer is checked (refusals are `QUERY_TOO_COMPLEX`, the page has 100 contacts).
//! Then, in the same process and without HTTP, it times the guard alone on each document
//! (count tokens, parse, cost), median of the same number of runs.
//!
//! The largest accepted queries: `documents::CONTACT_PAGE`, 100 contacts with their account,
//! its parent and its manager through three fragments (cost 602 of the default 20,000; the
//! costliest to run of the documents here), and `viewer{role}` 2,490 times (9,962 tokens of the default 10,000,
//! expanding to 4,980 selections; the costliest to parse, since parsing is most of what a
//! refusal costs).

use std::time::{Duration, Instant};

use rapport_api::config::GraphqlSettings;
use rapport_api::graphql::guard::GuardLimits;
use rapport_tests::documents::{CONTACT_PAGE, doubling_chain, inline_nests, mix, wide_spreads};
use rapport_tests::spawn_app_with;
use serde_json::{Value, json};

fn runs() -> usize {
    std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(201)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1_000.0)
}

fn us(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1_000_000.0)
}

#[tokio::main]
async fn main() {
    let runs = runs();
    let app = spawn_app_with(|s| {
        s.http.max_body_bytes = 256 * 1024;
        s.graphql.max_query_bytes = 128 * 1024;
    })
    .await;
    let (account, _) = app.client_account("Bench Co").await;
    for i in 0..100 {
        app.contact(
            &account,
            &format!("Person {i}"),
            Some(&format!("p{i}@bench.example")),
        )
        .await;
    }
    let (_, partner) = app.partner("Hostile Partners").await;

    let cases: Vec<(&str, String, bool)> = vec![
        ("doubling chain, 20 levels", doubling_chain(20), false),
        ("doubling chain, 30 levels", doubling_chain(30), false),
        ("doubling chain, 60 levels", doubling_chain(60), false),
        ("doubling chain, 1,000 levels", doubling_chain(1_000), false),
        (
            "one fragment spread 3,000 times",
            wide_spreads(3_000),
            false,
        ),
        (
            "one fragment spread 2,000 times",
            wide_spreads(2_000),
            false,
        ),
        ("inline nests, 25 fragments × 3", inline_nests(25, 3), false),
        ("inline nests, 12 fragments × 3", inline_nests(12, 3), false),
        (
            "mix: chain 20 spread 50 times in inline fragments",
            mix(20, 50),
            false,
        ),
        (
            "one fragment spread 4,990 times (9,992 tokens)",
            wide_spreads(4_990),
            false,
        ),
        (
            "`{ viewer { subject } }`",
            "{ viewer { subject } }".to_owned(),
            true,
        ),
        (
            "largest accepted: 100 contacts (cost 602)",
            CONTACT_PAGE.to_owned(),
            true,
        ),
        (
            "largest accepted by size: `viewer{role}` 2,490 times (9,962 tokens)",
            format!("{{{}}}", "viewer{role}".repeat(2_490)),
            true,
        ),
    ];

    let client = reqwest::Client::new();
    println!("runs per document: {runs}\n");
    println!(
        "| document | bytes | answer | HTTP median ms | HTTP p90 ms | guard alone median µs |"
    );
    println!("|---|---:|---|---:|---:|---:|");
    let shapes = rapport_api::graphql::shapes();
    let limits = GuardLimits::from_settings(&GraphqlSettings {
        max_query_bytes: 128 * 1024,
        ..GraphqlSettings::default()
    });
    for (name, doc, accepted) in &cases {
        let token = if *accepted {
            &app.admin_token
        } else {
            &partner
        };
        let body = json!({"query": doc}).to_string();
        let send = || async {
            let res = client
                .post(format!("{}/graphql", app.address))
                .header("content-type", "application/json")
                .bearer_auth(token)
                .body(body.clone())
                .send()
                .await
                .expect("sent");
            res.json::<Value>().await.expect("json")
        };
        let first = send().await;
        let answer = if *accepted {
            assert!(first.get("errors").is_none(), "{name}: {first}");
            if doc.contains("contacts(first: 100)") {
                let n = first
                    .pointer("/data/contacts/nodes")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                assert_eq!(n, 100, "{name}");
            }
            "data".to_owned()
        } else {
            assert_eq!(
                first.pointer("/errors/0/extensions/code"),
                Some(&json!("QUERY_TOO_COMPLEX")),
                "{name}: {first}"
            );
            first
                .pointer("/errors/0/extensions/bound")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .trim_start_matches("graphql.")
                .to_owned()
        };
        for _ in 0..10 {
            send().await;
        }
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let t = Instant::now();
            std::hint::black_box(send().await);
            times.push(t.elapsed());
        }
        times.sort();

        let mut guard_times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let t = Instant::now();
            std::hint::black_box(limits.check_query(&shapes, doc).is_ok());
            guard_times.push(t.elapsed());
        }
        guard_times.sort();
        println!(
            "| {name} | {} | {answer} | {} | {} | {} |",
            doc.len(),
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.9)),
            us(percentile(&guard_times, 0.5)),
        );
    }
}
