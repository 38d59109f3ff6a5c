//! The webhook dispatcher: per-aggregate order behind a failing event, repeats with the same
//! id and body, the retry schedule with the clock moved, disabling and resuming, receivers
//! that hang or redirect.

use chrono::{Duration, Utc};
use rapport_api::global_id::Kind;
use rapport_api::store::delivery_state;
use rapport_tests::receiver::{Receiver, Reply};
use rapport_tests::{spawn_app, spawn_app_with};
use serde_json::json;

use super::{EndpointSpec, admin_id, endpoint, raw, rename};

async fn staff_endpoint(app: &rapport_tests::TestApp, url: &str) -> i64 {
    let owner = admin_id(app).await;
    endpoint(
        app,
        url,
        EndpointSpec {
            owner_member_id: Some(owner),
            event_types: vec!["account.created", "account.updated"],
            ..EndpointSpec::default()
        },
    )
    .await
}

#[tokio::test]
async fn a_failing_first_event_holds_back_the_next_of_its_aggregate_and_repeats_keep_the_id() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    receiver.set_reply(Reply::Status(500));
    let hook = staff_endpoint(&app, receiver.url()).await;
    let account = app
        .account_as(&app.admin_token.clone(), "Ordered", json!({}))
        .await;
    rename(&app, &account, 1, "Ordered 2").await;
    app.relay_step(Utc::now()).await;
    // Deliveries are due from their fan-out on.
    let t0 = Utc::now();

    let report = app.dispatch_step(t0).await;
    assert_eq!(
        report.attempted, 1,
        "only the first event of the aggregate goes out"
    );
    assert_eq!(report.retried, 1);
    let first = receiver.received();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].json()["type"], "account.created");
    let id = first[0]
        .header("webhook-id")
        .expect("webhook-id")
        .to_owned();
    assert!(id.starts_with("evt_"));
    assert!(first[0].header("webhook-timestamp").is_some());

    let deliveries = app.store.webhook_deliveries_of(hook).await.expect("rows");
    assert_eq!(deliveries.len(), 2);
    assert_eq!(deliveries[0].attempts, 1);
    assert_eq!(deliveries[0].last_status, Some(500));
    assert!(deliveries[0].next_attempt_at > t0);
    assert_eq!(deliveries[1].attempts, 0, "the second waits for the first");
    let attempts = app
        .store
        .webhook_attempts_of(deliveries[0].id)
        .await
        .expect("log");
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].status, Some(500));
    let endpoint_row = app
        .store
        .webhook_endpoint(hook)
        .await
        .expect("read")
        .expect("row");
    assert!(endpoint_row.failing_since.is_some());

    // Not due yet, and the second is still held back.
    assert!(app.dispatch_step(t0).await.is_idle());

    receiver.set_reply(Reply::Ok);
    let t1 = t0 + Duration::minutes(2);
    let report = app.dispatch_step(t1).await;
    assert_eq!((report.attempted, report.succeeded), (1, 1));
    let report = app.dispatch_step(t1).await;
    assert_eq!((report.attempted, report.succeeded), (1, 1));

    let got = receiver.received();
    assert_eq!(got.len(), 3);
    // The repeat carries the same id and the same bytes.
    assert_eq!(got[1].header("webhook-id"), Some(id.as_str()));
    assert_eq!(got[1].body, got[0].body);
    let types: Vec<String> = receiver
        .acknowledged()
        .iter()
        .map(|r| r.json()["type"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(types, ["account.created", "account.updated"]);
    let deliveries = app.store.webhook_deliveries_of(hook).await.expect("rows");
    assert!(
        deliveries
            .iter()
            .all(|d| d.state == delivery_state::SUCCEEDED)
    );
    assert!(deliveries.iter().all(|d| d.delivered_at.is_some()));
    assert_eq!(deliveries[0].attempts, 2);
    let endpoint_row = app
        .store
        .webhook_endpoint(hook)
        .await
        .expect("read")
        .expect("row");
    assert_eq!(
        endpoint_row.failing_since, None,
        "a success clears the failure"
    );
}

#[tokio::test]
async fn a_failing_endpoint_is_retried_for_about_three_days_then_disabled_and_resumes_when_enabled()
{
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    receiver.set_reply(Reply::Status(503));
    let hook = staff_endpoint(&app, receiver.url()).await;
    let account = app
        .account_as(&app.admin_token.clone(), "Unlucky", json!({}))
        .await;
    rename(&app, &account, 1, "Unlucky 2").await;
    app.relay_step(Utc::now()).await;
    let start = app.store.webhook_deliveries_of(hook).await.expect("rows")[0].created_at;

    let mut now = start;
    let mut steps = 0;
    loop {
        steps += 1;
        assert!(steps < 200, "the schedule must end");
        let report = app.dispatch_step(now).await;
        assert_eq!(report.attempted, 1, "step {steps}: one delivery due");
        let first = &app.store.webhook_deliveries_of(hook).await.expect("rows")[0];
        if first.state == delivery_state::FAILED {
            assert_eq!(report.failed, 1);
            assert_eq!(report.disabled, 1);
            break;
        }
        assert!(first.next_attempt_at > now, "retries move forward");
        now = first.next_attempt_at;
    }
    let span = now - start;
    assert!(
        span >= Duration::hours(60) && span <= Duration::hours(72),
        "gave up after {span}"
    );
    assert!(steps >= 10, "{steps} attempts");
    assert_eq!(receiver.received().len(), steps);

    let endpoint_row = app
        .store
        .webhook_endpoint(hook)
        .await
        .expect("read")
        .expect("row");
    assert!(!endpoint_row.enabled);
    assert!(endpoint_row.disabled_at.is_some());
    assert!(
        endpoint_row
            .disabled_reason
            .as_deref()
            .is_some_and(|r| r.contains("failing since")),
        "{:?}",
        endpoint_row.disabled_reason
    );
    // The owner hears of it: an event in the same transaction, actor system.
    assert_eq!(
        app.store
            .outbox_events_for("WebhookEndpoint", hook)
            .await
            .expect("outbox"),
        ["webhook.endpoint_disabled"]
    );
    let last = app.store.last_published_seq().await.expect("seq");
    app.relay_step(now).await;
    let published = app.store.published_after(last, 10).await.expect("events");
    let disabled = published
        .iter()
        .find(|e| e.event_type == "webhook.endpoint_disabled")
        .expect("published");
    assert_eq!(disabled.aggregate_kind, Kind::WebhookEndpoint);
    assert_eq!(disabled.aggregate_id, hook);
    assert_eq!(disabled.actor.kind, rapport_api::events::ActorKind::System);
    assert_eq!(disabled.actor.name, "Rapport");
    assert!(disabled.data["failingSince"].is_string());
    assert!(disabled.data["reason"].is_string());

    // The rename waits, pending, while the endpoint is disabled; new events make nothing.
    let second = &app.store.webhook_deliveries_of(hook).await.expect("rows")[1];
    assert_eq!(second.state, delivery_state::PENDING);
    assert_eq!(second.attempts, 0);
    app.account_as(&app.admin_token.clone(), "While disabled", json!({}))
        .await;
    app.relay_step(now).await;
    assert_eq!(
        app.store
            .webhook_deliveries_of(hook)
            .await
            .expect("rows")
            .len(),
        2
    );
    assert!(app.dispatch_step(now + Duration::hours(1)).await.is_idle());

    // Enabled again, the pending delivery resumes.
    receiver.set_reply(Reply::Ok);
    app.store
        .enable_webhook_endpoint(hook, now)
        .await
        .expect("enable");
    let report = app.dispatch_step(now + Duration::hours(1)).await;
    assert_eq!(report.succeeded, 1);
    let last = receiver.received();
    let body = last.last().expect("one more").json();
    assert_eq!(body["type"], "account.updated");
    assert_eq!(body["aggregate"]["id"], json!(account));
    assert_eq!(
        raw(Kind::Account, &account),
        raw(Kind::Account, body["accountId"].as_str().expect("id"))
    );
}

#[tokio::test]
async fn a_hanging_or_redirecting_receiver_is_a_failed_attempt() {
    let app = spawn_app_with(|s| s.events.webhooks.timeout_secs = 1).await;
    let hanging = Receiver::start().await;
    hanging.set_reply(Reply::Hang);
    let redirecting = Receiver::start().await;
    let target = Receiver::start().await;
    redirecting.set_reply(Reply::Redirect(target.url().to_owned()));
    let hang_hook = staff_endpoint(&app, hanging.url()).await;
    let redirect_hook = staff_endpoint(&app, redirecting.url()).await;
    app.account_as(&app.admin_token.clone(), "Tricky", json!({}))
        .await;
    app.relay_step(Utc::now()).await;
    let now = Utc::now();

    let started = std::time::Instant::now();
    let report = app.dispatch_step(now).await;
    assert_eq!(report.attempted, 2);
    assert_eq!(report.retried, 2);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert!(target.received().is_empty(), "redirects are not followed");

    let hung = &app
        .store
        .webhook_deliveries_of(hang_hook)
        .await
        .expect("rows")[0];
    assert_eq!(hung.state, delivery_state::PENDING);
    assert_eq!(hung.last_status, None);
    assert!(hung.last_error.is_some());
    let redirected = &app
        .store
        .webhook_deliveries_of(redirect_hook)
        .await
        .expect("rows")[0];
    assert_eq!(redirected.last_status, Some(302));
    assert_eq!(redirected.state, delivery_state::PENDING);
}

#[tokio::test]
async fn two_dispatchers_at_once_send_each_delivery_once() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let hook = staff_endpoint(&app, receiver.url()).await;
    let admin = app.admin_token.clone();
    for i in 0..30 {
        app.account_as(&admin, &format!("Fleet {i:02}"), json!({}))
            .await;
    }
    app.relay_step(Utc::now()).await;
    let now = Utc::now();
    let run = |name: &'static str| {
        let dispatcher = app.events.dispatcher(name);
        async move {
            let mut sent = 0;
            loop {
                let report = dispatcher.run_once(now).await.expect("dispatch");
                if report.is_idle() {
                    return sent;
                }
                sent += report.succeeded;
            }
        }
    };
    let (a, b) = tokio::join!(run("a"), run("b"));
    let got = receiver.received();
    assert_eq!(a + b, 30);
    assert_eq!(got.len(), 30, "no delivery sent twice");
    let mut ids: Vec<&str> = got.iter().filter_map(|r| r.header("webhook-id")).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 30);
    assert!(
        app.store
            .webhook_deliveries_of(hook)
            .await
            .expect("rows")
            .iter()
            .all(|d| d.state == delivery_state::SUCCEEDED)
    );
}
