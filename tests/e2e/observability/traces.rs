//! OpenTelemetry traces over OTLP/HTTP, received by a local collector: a request is one trace
//! (the request, its root fields, its loader batches and its statements), a `traceparent`
//! continues the caller's trace, a stuck collector neither fails nor holds requests, and
//! without an endpoint nothing is traced.

use std::collections::HashMap;

use rapport_tests::otlp::{OtlpReceiver, ReceivedSpan};
use rapport_tests::{TestApp, spawn_app, spawn_app_with};
use serde_json::{Value, json};

use super::page::{matching, scrape, sum};

const SERVER: i32 = 2;
const CLIENT: i32 = 3;

async fn traced_app(receiver: &OtlpReceiver) -> TestApp {
    let endpoint = receiver.endpoint().to_owned();
    spawn_app_with(move |s| {
        s.telemetry.otlp_endpoint = Some(endpoint);
        s.telemetry.service_name = "rapport-under-test".to_owned();
    })
    .await
}

/// Exports what waits (the "run one step" of the exporter) and returns what the collector has.
async fn flushed(app: &TestApp, receiver: &OtlpReceiver) -> Vec<ReceivedSpan> {
    let traces = app.traces.clone().expect("traces are on");
    tokio::task::spawn_blocking(move || traces.force_flush())
        .await
        .expect("flush ran")
        .expect("the collector accepted the spans");
    receiver.spans()
}

/// POSTs `query` as the admin, with extra headers.
async fn post(app: &TestApp, query: &str, variables: Value, headers: &[(&str, &str)]) -> Value {
    let mut req = app
        .client()
        .post(format!("{}/graphql", app.address))
        .bearer_auth(&app.admin_token)
        .json(&json!({"query": query, "variables": variables}));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let res = req.send().await.expect("answered");
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    assert!(body.get("errors").is_none(), "{body}");
    body
}

/// The server span of the request named `operation`.
fn request_span<'a>(spans: &'a [ReceivedSpan], operation: &str) -> &'a ReceivedSpan {
    let found: Vec<_> = spans
        .iter()
        .filter(|s| s.kind == SERVER && s.attribute("graphql.operation.name") == Some(operation))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one request span for {operation}: {spans:#?}"
    );
    found[0]
}

/// Whether `span` descends from the span `ancestor` (by parent ids within the trace).
fn descends(span: &ReceivedSpan, ancestor: &str, by_id: &HashMap<&str, &ReceivedSpan>) -> bool {
    let mut parent = span.parent_span_id.as_str();
    while !parent.is_empty() {
        if parent == ancestor {
            return true;
        }
        parent = by_id.get(parent).map_or("", |p| p.parent_span_id.as_str());
    }
    false
}

#[tokio::test]
async fn one_graphql_request_is_one_trace_of_request_root_field_loader_and_statement_spans() {
    let receiver = OtlpReceiver::start().await;
    let app = traced_app(&receiver).await;
    let account = app.account_as(&app.admin_token, "Acme", json!({})).await;
    let contact = app.contact(&account, "Ada", None).await;
    let one =
        "query One($id: ID!) { contact(id: $id) { id firstName account { id name domains } } }";
    post(&app, one, json!({"id": contact}), &[]).await;
    let spans = flushed(&app, &receiver).await;
    let request = request_span(&spans, "One");
    assert_eq!(request.name, "POST /graphql");
    assert_eq!(
        request.parent_span_id, "",
        "a new trace starts at the request"
    );
    assert_eq!(request.attribute("http.route"), Some("/graphql"));
    assert_eq!(request.attribute("http.response.status_code"), Some("200"));
    assert_eq!(request.service, "rapport-under-test");
    let trace: Vec<&ReceivedSpan> = spans
        .iter()
        .filter(|s| s.trace_id == request.trace_id)
        .collect();
    let by_id: HashMap<&str, &ReceivedSpan> =
        trace.iter().map(|s| (s.span_id.as_str(), *s)).collect();
    let field = trace
        .iter()
        .find(|s| s.name == "Query.contact")
        .unwrap_or_else(|| panic!("a root field span: {trace:#?}"));
    assert_eq!(field.parent_span_id, request.span_id);
    let loads: Vec<_> = trace
        .iter()
        .filter(|s| s.name.starts_with("load "))
        .collect();
    assert!(!loads.is_empty(), "a loader batch span: {trace:#?}");
    for load in &loads {
        assert!(descends(load, &field.span_id, &by_id), "{load:#?}");
    }
    let statements: Vec<_> = trace.iter().filter(|s| s.kind == CLIENT).collect();
    assert!(!statements.is_empty(), "statement spans: {trace:#?}");
    for statement in &statements {
        assert!(
            descends(statement, &request.span_id, &by_id),
            "{statement:#?}"
        );
        let text = statement.attribute("db.query.text").unwrap_or_default();
        assert!(!text.is_empty(), "{statement:#?}");
        assert_eq!(
            statement.attribute("db.operation.name"),
            Some(statement.name.as_str())
        );
        assert!(statement.start_ns <= statement.end_ns);
        assert!(statement.start_ns >= request.start_ns && statement.end_ns <= request.end_ns);
    }
    assert!(
        statements
            .iter()
            .any(|s| loads.iter().any(|l| s.parent_span_id == l.span_id)),
        "a batch's statements are its children: {trace:#?}"
    );
    assert!(
        !statements.iter().any(|s| s
            .attribute("db.query.text")
            .unwrap_or_default()
            .contains("Ada")),
        "statement values are not recorded"
    );
    let page = scrape(&app).await;
    assert!(sum(&page, "rapport_trace_spans_exported_total", &[]) >= trace.len() as f64);
    assert_eq!(sum(&page, "rapport_trace_spans_dropped_total", &[]), 0.0);
}

#[tokio::test]
async fn a_request_with_a_traceparent_continues_the_callers_trace() {
    let receiver = OtlpReceiver::start().await;
    let app = traced_app(&receiver).await;
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let caller_span = "00f067aa0ba902b7";
    let traceparent = format!("00-{trace_id}-{caller_span}-01");
    post(
        &app,
        "query Continued { viewer { role } }",
        json!({}),
        &[("traceparent", &traceparent)],
    )
    .await;
    let spans = flushed(&app, &receiver).await;
    let request = request_span(&spans, "Continued");
    assert_eq!(request.trace_id, trace_id);
    assert_eq!(request.parent_span_id, caller_span);
    assert!(
        spans
            .iter()
            .any(|s| s.name == "Query.viewer" && s.trace_id == trace_id),
        "{spans:#?}"
    );
}

#[tokio::test]
async fn a_ratio_of_zero_keeps_no_new_trace_but_follows_a_sampled_caller() {
    let receiver = OtlpReceiver::start().await;
    let endpoint = receiver.endpoint().to_owned();
    let app = spawn_app_with(move |s| {
        s.telemetry.otlp_endpoint = Some(endpoint);
        s.telemetry.sampling_ratio = 0.0;
    })
    .await;
    post(&app, "query Unsampled { viewer { role } }", json!({}), &[]).await;
    let trace_id = "0af7651916cd43dd8448eb211c80319c";
    let traceparent = format!("00-{trace_id}-b7ad6b7169203331-01");
    post(
        &app,
        "query Sampled { viewer { role } }",
        json!({}),
        &[("traceparent", &traceparent)],
    )
    .await;
    let spans = flushed(&app, &receiver).await;
    request_span(&spans, "Sampled");
    assert!(
        spans.iter().all(|s| s.trace_id == trace_id),
        "only the caller's sampled trace is kept: {spans:#?}"
    );
}

#[tokio::test]
async fn a_collector_that_never_answers_neither_fails_nor_holds_requests_and_drops_are_counted() {
    let receiver = OtlpReceiver::hanging().await;
    let endpoint = receiver.endpoint().to_owned();
    // An export may take up to a minute, longer than the test client waits for an answer
    // (30 s): a request held by the exporter would fail here.
    let app = spawn_app_with(move |s| {
        s.telemetry.otlp_endpoint = Some(endpoint);
        s.telemetry.queue_size = 2;
        s.telemetry.export_timeout_ms = 60_000;
    })
    .await;
    for _ in 0..5 {
        post(&app, "query Busy { viewer { role } }", json!({}), &[]).await;
    }
    let page = scrape(&app).await;
    assert!(
        sum(&page, "rapport_trace_spans_dropped_total", &[]) > 0.0,
        "{:#?}",
        matching(&page, "rapport_trace_spans_dropped_total", &[])
    );
    assert_eq!(sum(&page, "rapport_trace_spans_exported_total", &[]), 0.0);
}

#[tokio::test]
async fn without_an_endpoint_nothing_is_traced_nor_exported() {
    let app = spawn_app().await;
    assert!(app.traces.is_none(), "no exporter, no tracer");
    post(&app, "query Quiet { viewer { role } }", json!({}), &[]).await;
    let page = scrape(&app).await;
    assert!(
        page.iter().all(|s| !s.name.starts_with("rapport_trace_")),
        "no trace series without traces"
    );
}

#[tokio::test]
async fn an_unusable_endpoint_stops_the_start_with_its_name() {
    let data = tempfile::tempdir().expect("dir");
    let mut settings = rapport_api::config::Settings {
        data_dir: data.path().to_path_buf(),
        ..rapport_api::config::Settings::default()
    };
    settings.http.port = 0;
    settings.telemetry.otlp_endpoint = Some("collector:4318".to_owned());
    let err = rapport_api::startup::Application::build_with(
        settings,
        rapport_integrations::Registry::default(),
    )
    .await
    .expect_err("refused");
    assert!(err.to_string().contains("telemetry.otlp_endpoint"), "{err}");
}
