//! The webhook sender against local receivers: the SSRF guard (loopback refused unless
//! allowed, http refused unless allowed), redirects recorded and not followed, a hanging
//! receiver cut at the timeout, a failing one recorded, a huge answer bounded; and the
//! Standard Webhooks headers on what is sent.

use std::time::{Duration, Instant};

use rapport_api::config::WebhookSettings;
use rapport_api::events::webhooks::send::{EXCERPT_CHARS, Outbound, Sender};
use rapport_api::events::webhooks::sign::{SigningKey, new_secret};
use rapport_tests::webhook_receiver::{Behaviour, Receiver};

const BODY: &str = r#"{"id":"evt_1","type":"account.created"}"#;

fn sender(tweak: impl FnOnce(&mut WebhookSettings)) -> Sender {
    let mut s = WebhookSettings {
        allow_http_hosts: vec!["127.0.0.1".into(), "localhost".into()],
        allow_private_hosts: vec!["127.0.0.1".into()],
        timeout_secs: 2,
        ..WebhookSettings::default()
    };
    tweak(&mut s);
    Sender::from_settings(&s).expect("valid settings")
}

async fn send(
    sender: &Sender,
    url: &str,
    secrets: &[&str],
) -> rapport_api::events::webhooks::send::AttemptOutcome {
    sender
        .send(Outbound {
            url,
            secrets,
            event_id: "evt_1",
            timestamp: chrono::Utc::now(),
            body: BODY,
        })
        .await
}

#[tokio::test]
async fn a_receiver_on_loopback_is_refused_unless_its_host_is_allowed() {
    let receiver = Receiver::start(Behaviour::Status(204)).await;
    let secret = new_secret().expect("secret");
    let strict = sender(|s| s.allow_private_hosts.clear());
    let out = send(&strict, &receiver.url("/hook"), &[&secret]).await;
    assert_eq!(out.status, None);
    let error = out.error.expect("refused");
    assert_eq!(
        error,
        "destination 127.0.0.1 is a loopback address (allow it in events.webhooks.allow_private_hosts)"
    );
    // A name that resolves to loopback is refused the same way (the lookup is vetted).
    let by_name = format!("http://localhost:{}/hook", receiver.port());
    let out = send(&strict, &by_name, &[&secret]).await;
    assert!(out.error.expect("refused").contains("loopback"));
    assert!(receiver.received().is_empty(), "nothing may reach it");

    let allowed = sender(|_| {});
    let out = send(&allowed, &receiver.url("/hook"), &[&secret]).await;
    assert_eq!(out.status, Some(204), "{out:?}");
    assert!(out.succeeded());
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    let req = &got[0];
    assert_eq!(req.body, BODY);
    assert_eq!(req.header("webhook-id"), Some("evt_1"));
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert!(
        req.header("user-agent")
            .is_some_and(|ua| ua.starts_with("Rapport-Webhooks/"))
    );
    let ts: i64 = req
        .header("webhook-timestamp")
        .and_then(|t| t.parse().ok())
        .expect("timestamp");
    assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);
    let expected = SigningKey::parse(&secret)
        .expect("secret")
        .sign("evt_1", ts, BODY);
    assert_eq!(req.header("webhook-signature"), Some(expected.as_str()));

    // A listed name is looked up once and the request goes to the vetted address.
    let by_name_allowed = sender(|s| s.allow_private_hosts = vec!["localhost".into()]);
    let out = send(&by_name_allowed, &by_name, &[&secret]).await;
    assert_eq!(out.status, Some(204), "{out:?}");
    assert_eq!(receiver.received().len(), 2);
}

#[tokio::test]
async fn plain_http_is_refused_unless_the_host_is_allowed() {
    let receiver = Receiver::start(Behaviour::Status(200)).await;
    let secret = new_secret().expect("secret");
    let https_only = sender(|s| s.allow_http_hosts.clear());
    let out = send(&https_only, &receiver.url("/"), &[&secret]).await;
    let error = out.error.expect("refused");
    assert!(error.contains("must use https"), "{error}");
    assert!(
        error.contains("events.webhooks.allow_http_hosts"),
        "{error}"
    );
    let out = send(&https_only, "https://user:pw@example.com/", &[&secret]).await;
    assert!(out.error.expect("refused").contains("user name"));
    assert!(receiver.received().is_empty());
}

#[tokio::test]
async fn a_redirect_is_recorded_with_its_status_and_never_followed() {
    let target = Receiver::start(Behaviour::Status(200)).await;
    let redirecting = Receiver::start(Behaviour::Redirect(target.url("/stolen"))).await;
    let secret = new_secret().expect("secret");
    let out = send(&sender(|_| {}), &redirecting.url("/hook"), &[&secret]).await;
    assert_eq!(out.status, Some(302));
    assert!(!out.succeeded());
    assert!(out.error.expect("a failure").contains("redirect"));
    assert_eq!(redirecting.received().len(), 1);
    assert!(target.received().is_empty(), "the Location was followed");
}

#[tokio::test]
async fn a_hanging_receiver_is_cut_at_the_timeout() {
    let receiver = Receiver::start(Behaviour::Hang).await;
    let secret = new_secret().expect("secret");
    let started = Instant::now();
    let out = send(
        &sender(|s| s.timeout_secs = 1),
        &receiver.url("/"),
        &[&secret],
    )
    .await;
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(900), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(out.status, None);
    assert!(out.error.expect("timed out").contains("timed out"));
    assert!(out.latency_ms >= 900);
    assert_eq!(receiver.received().len(), 1, "the request was sent");
}

#[tokio::test]
async fn a_failing_receiver_is_recorded_with_its_status_and_answer() {
    let receiver = Receiver::start(Behaviour::Status(500)).await;
    let secret = new_secret().expect("secret");
    let out = send(&sender(|_| {}), &receiver.url("/"), &[&secret]).await;
    assert_eq!(out.status, Some(500));
    assert!(!out.succeeded());
    assert_eq!(out.response_excerpt.as_deref(), Some("nope"));
}

#[tokio::test]
async fn a_huge_answer_is_read_only_up_to_the_bound() {
    let receiver = Receiver::start(Behaviour::Huge(8 * 1024 * 1024)).await;
    let secret = new_secret().expect("secret");
    let out = send(
        &sender(|s| s.max_response_bytes = 600),
        &receiver.url("/"),
        &[&secret],
    )
    .await;
    assert_eq!(out.status, Some(200));
    let excerpt = out.response_excerpt.expect("an excerpt");
    assert_eq!(excerpt.len(), 600, "read up to max_response_bytes");
    let out = send(&sender(|_| {}), &receiver.url("/"), &[&secret]).await;
    let excerpt = out.response_excerpt.expect("an excerpt");
    assert_eq!(
        excerpt.chars().count(),
        EXCERPT_CHARS,
        "stored excerpt bounded"
    );
}
