//! The edge of the server, through HTTP: rate limits per token subject, per client address
//! (unauthenticated and refused requests) and per webhook route, with `Retry-After` and the
//! `RateLimit` headers; trusted proxies; the body deadline; the headers of every answer.
//! Each test sets its own small limits.

use std::time::{Duration, Instant};

use rapport_mailchimp::MailchimpConfig;
use rapport_ringover::RingoverConfig;
use rapport_tests::{TestApp, spawn_app, spawn_app_with};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const MAILCHIMP_SECRET: &str = "edge-mailchimp-secret-0123456789abcdef";
const RINGOVER_SECRET: &str = "edge-ringover-secret-0123456789abcdef";
const FORGED: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

async fn answer(req: reqwest::RequestBuilder) -> Answer {
    let res = req.send().await.expect("sent");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.json().await.unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
    }
}

fn graphql(app: &TestApp, token: Option<&str>) -> reqwest::RequestBuilder {
    let req = app
        .client()
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .json(&json!({"query": "{ viewer { subject } }"}));
    match token {
        Some(token) => req.bearer_auth(token),
        None => req,
    }
}

#[tokio::test]
async fn past_the_address_limit_refused_requests_get_429_with_retry_after_and_ratelimit_headers() {
    let app = spawn_app_with(|s| {
        s.rate_limit.address_per_minute = 1;
        s.rate_limit.address_burst = 3;
    })
    .await;
    let forged = || graphql(&app, Some(FORGED));
    let first = answer(forged()).await;
    assert_eq!(first.status, 401, "{}", first.body);
    assert_eq!(
        first.header("ratelimit-policy"),
        Some("\"address\";q=1;w=60")
    );
    assert!(
        first
            .header("ratelimit")
            .is_some_and(|v| v.starts_with("\"address\";r=2;t=")),
        "{:?}",
        first.headers
    );
    assert_eq!(
        answer(graphql(&app, None)).await.status,
        401,
        "no token counts too"
    );
    assert_eq!(answer(forged()).await.status, 401);
    let limited = answer(forged()).await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert_eq!(
        limited.body.pointer("/errors/0/extensions/code"),
        Some(&json!("RATE_LIMITED")),
        "{}",
        limited.body
    );
    let retry: u64 = limited
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(
        limited.header("ratelimit"),
        Some(format!("\"address\";r=0;t={retry}").as_str())
    );
    assert_eq!(
        limited.header("ratelimit-policy"),
        Some("\"address\";q=1;w=60")
    );
    assert_eq!(
        answer(graphql(&app, None)).await.status,
        429,
        "a missing token from the same address too"
    );
    let admin = answer(graphql(&app, Some(&app.admin_token))).await;
    assert_eq!(
        admin.status, 200,
        "an accepted token is counted under its subject, not the address: {}",
        admin.body
    );
}

#[tokio::test]
async fn past_the_subject_limit_a_token_gets_429_while_other_subjects_go_on() {
    let app = spawn_app_with(|s| {
        s.rate_limit.subject_per_minute = 1;
        s.rate_limit.subject_burst = 5;
    })
    .await;
    // Creating the member is the admin's first request.
    let (_, viewer) = app.member("VIEWER").await;
    let mut passed = 0;
    let limited = loop {
        let res = answer(graphql(&app, Some(&app.admin_token))).await;
        if res.status != 200 {
            break res;
        }
        assert!(passed < 10, "no limit reached");
        assert_eq!(res.header("ratelimit-policy"), Some("\"subject\";q=1;w=60"));
        passed += 1;
    };
    assert_eq!(passed, 4, "a burst of 5, one spent on creating the member");
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert_eq!(
        limited.body.pointer("/errors/0/extensions/code"),
        Some(&json!("RATE_LIMITED"))
    );
    assert!(limited.header("retry-after").is_some());
    let other = answer(graphql(&app, Some(&viewer))).await;
    assert_eq!(
        other.status, 200,
        "another subject has its own bucket: {}",
        other.body
    );
}

#[tokio::test]
async fn each_webhook_route_has_its_own_limit_whoever_calls_it() {
    let app = spawn_app_with(|s| {
        s.rate_limit.webhook_per_minute = 1;
        s.rate_limit.webhook_burst = 2;
        s.mailchimp = Some(
            MailchimpConfig::new("0123abcd-us19".into(), "list1")
                .with_webhook_secret(MAILCHIMP_SECRET.into()),
        );
        s.ringover = Some(RingoverConfig::new("key".into(), RINGOVER_SECRET.into()));
    })
    .await;
    let probe = |secret: &str| {
        app.client()
            .get(format!("{}/webhooks/mailchimp/{secret}", app.address))
    };
    assert_eq!(answer(probe(MAILCHIMP_SECRET)).await.status, 200);
    assert_eq!(
        answer(probe("wrong-secret")).await.status,
        404,
        "a wrong secret counts against the route"
    );
    let limited = answer(probe(MAILCHIMP_SECRET)).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.body["code"], "RATE_LIMITED", "{}", limited.body);
    assert!(limited.header("retry-after").is_some());
    assert_eq!(
        limited.header("ratelimit-policy"),
        Some("\"webhook\";q=1;w=60")
    );
    let ringover = || {
        app.client()
            .post(format!("{}/webhooks/ringover", app.address))
            .header("content-type", "application/json")
            .body("{}")
    };
    assert_eq!(
        answer(ringover()).await.status,
        401,
        "the other route is untouched"
    );
    assert_eq!(answer(ringover()).await.status, 401);
    assert_eq!(answer(ringover()).await.status, 429);
}

#[tokio::test]
async fn unauthenticated_pages_count_per_address_and_health_probes_are_never_limited() {
    let app = spawn_app_with(|s| {
        s.rate_limit.address_per_minute = 1;
        s.rate_limit.address_burst = 2;
    })
    .await;
    let get = |path: &str| app.client().get(format!("{}{path}", app.address));
    assert_eq!(answer(get("/metrics")).await.status, 200);
    assert_eq!(answer(get("/graphql/schema.graphql")).await.status, 200);
    assert_eq!(answer(get("/metrics")).await.status, 429);
    assert_eq!(answer(get("/no-such-page")).await.status, 429);
    for _ in 0..20 {
        assert_eq!(answer(get("/healthz")).await.status, 200);
        assert_eq!(answer(get("/readyz")).await.status, 200);
    }
}

#[tokio::test]
async fn with_limits_off_nothing_is_counted() {
    let app = spawn_app_with(|s| {
        s.rate_limit.enabled = false;
        s.rate_limit.address_burst = 1;
    })
    .await;
    for _ in 0..5 {
        let res = answer(graphql(&app, Some(FORGED))).await;
        assert_eq!(res.status, 401);
        assert!(res.header("ratelimit").is_none());
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_bucket() {
    let app = spawn_app_with(|s| {
        s.rate_limit.address_per_minute = 1;
        s.rate_limit.address_burst = 1;
        s.http.trusted_proxies = vec!["127.0.0.1/32".into()];
    })
    .await;
    let from = |client: &str| {
        graphql(&app, Some(FORGED)).header("x-forwarded-for", format!("10.9.9.9, {client}"))
    };
    assert_eq!(answer(from("198.51.100.1")).await.status, 401);
    assert_eq!(answer(from("198.51.100.1")).await.status, 429);
    assert_eq!(
        answer(from("198.51.100.2")).await.status,
        401,
        "the right-most untrusted hop is the client, with its own bucket"
    );
    let forwarded = graphql(&app, Some(FORGED)).header("forwarded", "for=198.51.100.3");
    assert_eq!(answer(forwarded).await.status, 401, "Forwarded is read too");
}

#[tokio::test]
async fn without_a_trusted_proxy_a_forged_forwarded_for_buys_no_new_bucket() {
    let app = spawn_app_with(|s| {
        s.rate_limit.address_per_minute = 1;
        s.rate_limit.address_burst = 1;
    })
    .await;
    let from = |client: &str| graphql(&app, Some(FORGED)).header("x-forwarded-for", client);
    assert_eq!(answer(from("198.51.100.1")).await.status, 401);
    assert_eq!(
        answer(from("198.51.100.2")).await.status,
        429,
        "the header of an untrusted peer is ignored: the peer is the client"
    );
}

/// Sends a request head announcing `announced` body bytes, then `sent` bytes, then nothing;
/// returns the status line of the answer and how long it took.
async fn stalled_body(
    app: &TestApp,
    head: &str,
    announced: usize,
    sent: &[u8],
) -> (String, Duration) {
    let addr = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connects");
    let request = format!("{head}\r\nHost: {addr}\r\nContent-Length: {announced}\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("head sent");
    stream.write_all(sent).await.expect("part of the body sent");
    let started = Instant::now();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(20), stream.read(&mut buf))
        .await
        .expect("answered before the test's own timeout")
        .expect("read");
    let text = String::from_utf8_lossy(&buf[..n]).to_string();
    let status_line = text.lines().next().unwrap_or_default().to_owned();
    (status_line, started.elapsed())
}

#[tokio::test]
async fn a_body_that_never_arrives_is_answered_408_after_the_body_timeout() {
    let app = spawn_app_with(|s| {
        s.http.body_timeout_secs = 1;
        s.mailchimp = Some(
            MailchimpConfig::new("0123abcd-us19".into(), "list1")
                .with_webhook_secret(MAILCHIMP_SECRET.into()),
        );
    })
    .await;
    let token = app.admin_token.clone();
    let (status, took) = stalled_body(
        &app,
        &format!(
            "POST /graphql HTTP/1.1\r\nContent-Type: application/json\r\nAuthorization: Bearer {token}"
        ),
        10_000_000,
        b"{\"query\":",
    )
    .await;
    assert!(status.contains("408"), "{status}");
    assert!(took < Duration::from_secs(5), "answered after {took:?}");
    let (status, took) = stalled_body(
        &app,
        &format!(
            "POST /webhooks/mailchimp/{MAILCHIMP_SECRET} HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded"
        ),
        1_000,
        b"type=unsub",
    )
    .await;
    assert!(status.contains("408"), "webhooks too: {status}");
    assert!(took < Duration::from_secs(5), "answered after {took:?}");
}

#[tokio::test]
async fn every_answer_carries_nosniff_and_no_store() {
    let app = spawn_app_with(|s| {
        s.mailchimp = Some(
            MailchimpConfig::new("0123abcd-us19".into(), "list1")
                .with_webhook_secret(MAILCHIMP_SECRET.into()),
        );
    })
    .await;
    let client = app.client();
    let url = |path: &str| format!("{}{path}", app.address);
    let requests = [
        ("GET /healthz", client.get(url("/healthz"))),
        ("GET /readyz", client.get(url("/readyz"))),
        ("GET /metrics", client.get(url("/metrics"))),
        ("GET SDL", client.get(url("/graphql/schema.graphql"))),
        (
            "GraphiQL",
            client.get(url("/graphql")).header("accept", "text/html"),
        ),
        ("POST /graphql", graphql(&app, Some(&app.admin_token))),
        ("POST /graphql refused", graphql(&app, None)),
        (
            "webhook",
            client.get(url(&format!("/webhooks/mailchimp/{MAILCHIMP_SECRET}"))),
        ),
        ("unknown route", client.get(url("/nothing-here"))),
    ];
    for (what, req) in requests {
        let res = answer(req).await;
        assert_eq!(
            res.header("x-content-type-options"),
            Some("nosniff"),
            "{what}"
        );
        assert_eq!(res.header("cache-control"), Some("no-store"), "{what}");
    }
}

#[tokio::test]
async fn the_default_limits_let_a_normal_session_through() {
    let app = spawn_app().await;
    for _ in 0..100 {
        let res = answer(graphql(&app, Some(&app.admin_token))).await;
        assert_eq!(res.status, 200, "{}", res.body);
    }
    for _ in 0..10 {
        assert_eq!(answer(graphql(&app, None)).await.status, 401);
    }
}

#[tokio::test]
async fn malformed_requests_with_a_genuine_token_count_against_its_subject_not_the_address() {
    let app = spawn_app_with(|s| {
        s.rate_limit.address_per_minute = 1;
        s.rate_limit.address_burst = 1;
    })
    .await;
    let malformed = |token: &str| {
        app.client()
            .post(format!("{}/graphql", app.address))
            .header("content-type", "application/json")
            .bearer_auth(token)
            .body("{not json")
    };
    for _ in 0..5 {
        let res = answer(malformed(&app.admin_token)).await;
        assert_eq!(res.status, 400, "{}", res.body);
        assert_eq!(
            res.header("ratelimit-policy"),
            Some("\"subject\";q=1200;w=60")
        );
    }
    assert_eq!(
        answer(malformed(FORGED)).await.status,
        400,
        "the address bucket was untouched"
    );
    assert_eq!(answer(malformed(FORGED)).await.status, 429);
}
