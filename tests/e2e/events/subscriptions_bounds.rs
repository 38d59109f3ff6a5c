//! The bounds of GraphQL subscriptions: operations per connection, connections per subject,
//! the protocol's order, the init deadline, message size, query limits, and a subscriber
//! that does not keep up.

use std::time::Duration;

use rapport_api::events::broker::{Broker, FeedEnded};
use rapport_tests::{spawn_app, spawn_app_with};
use serde_json::json;

use super::ws::{Got, connect, connect_as, publisher, until_live};

const WAIT: Duration = Duration::from_secs(5);
const SUB: &str = "subscription { eventReceived { id } }";

#[tokio::test]
async fn one_subscription_too_many_is_refused_and_the_others_keep_running() {
    let app = spawn_app_with(|s| s.events.subscriptions.max_per_connection = 2).await;
    let _relay = publisher(&app);
    let mut ws = connect_as(&app, &app.admin_token.clone()).await;
    ws.subscribe("1", SUB, json!({})).await;
    ws.subscribe("2", SUB, json!({})).await;
    ws.subscribe("3", SUB, json!({})).await;
    match ws.recv_for("3", WAIT).await {
        Got::Msg(m) if m["type"] == "error" => assert_eq!(
            m["payload"][0]["extensions"]["code"], "TOO_MANY_SUBSCRIPTIONS",
            "{m}"
        ),
        other => panic!("expected an error for the third, got {other:?}"),
    }
    until_live(&app, 2).await;
    app.account_as(&app.admin_token.clone(), "Still flowing", json!({}))
        .await;
    assert!(matches!(ws.recv_for("1", WAIT).await, Got::Msg(m) if m["type"] == "next"));

    // Completing one makes room for another.
    ws.send(json!({"type": "complete", "id": "1"})).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        ws.subscribe("4", SUB, json!({})).await;
        match ws.recv_for("4", Duration::from_millis(300)).await {
            Got::Msg(m) if m["type"] == "error" => {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "never made room: {m}"
                );
            }
            Got::Nothing => break,
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_subject_may_hold_only_so_many_connections() {
    let app = spawn_app_with(|s| s.events.subscriptions.max_connections_per_subject = 2).await;
    let token = app.admin_token.clone();
    let _a = connect_as(&app, &token).await;
    let _b = connect_as(&app, &token).await;
    let mut c = connect(&app).await;
    c.send(json!({"type": "connection_init", "payload": {"token": token}}))
        .await;
    assert_eq!(c.closed_within(WAIT).await.map(|c| c.0), Some(4429));
    // Another subject is not affected.
    let (_, viewer) = app.member("VIEWER").await;
    connect_as(&app, &viewer).await;
}

#[tokio::test]
async fn protocol_order_and_deadlines_are_enforced() {
    let app = spawn_app_with(|s| {
        s.events.subscriptions.init_timeout_secs = 1;
        s.events.subscriptions.max_message_bytes = 2048;
    })
    .await;
    // subscribe before connection_init: 4401.
    let mut ws = connect(&app).await;
    ws.subscribe("1", SUB, json!({})).await;
    assert_eq!(ws.closed_within(WAIT).await.map(|c| c.0), Some(4401));
    // No connection_init in time: 4408.
    let mut ws = connect(&app).await;
    assert_eq!(ws.closed_within(WAIT).await.map(|c| c.0), Some(4408));
    // A second connection_init: 4429.
    let mut ws = connect_as(&app, &app.admin_token.clone()).await;
    ws.send(json!({"type": "connection_init", "payload": {"token": app.admin_token}}))
        .await;
    assert_eq!(ws.closed_within(WAIT).await.map(|c| c.0), Some(4429));
    // Not a protocol message: 4400.
    let mut ws = connect_as(&app, &app.admin_token.clone()).await;
    ws.send(json!({"type": "start", "id": "1"})).await;
    assert_eq!(ws.closed_within(WAIT).await.map(|c| c.0), Some(4400));
    // A duplicate id: 4409.
    let mut ws = connect_as(&app, &app.admin_token.clone()).await;
    ws.subscribe("1", SUB, json!({})).await;
    ws.subscribe("1", SUB, json!({})).await;
    assert_eq!(ws.closed_within(WAIT).await.map(|c| c.0), Some(4409));
    // A message over the size bound closes the connection (1009).
    let mut ws = connect_as(&app, &app.admin_token.clone()).await;
    ws.subscribe(
        "big",
        &format!(
            "subscription {{ eventReceived {{ id }} }} #{}",
            "x".repeat(4096)
        ),
        json!({}),
    )
    .await;
    assert_eq!(ws.closed_within(WAIT).await.map(|c| c.0), Some(1009));
}

#[tokio::test]
async fn a_subscription_goes_through_the_same_query_limits_as_http() {
    let app = spawn_app_with(|s| s.graphql.max_depth = 3).await;
    let mut ws = connect_as(&app, &app.admin_token.clone()).await;
    ws.subscribe(
        "deep",
        "subscription($id: ID!) { agreementChanged(id: $id) { account { contacts { edges { node { account { name } } } } } } }",
        json!({"id": "x"}),
    )
    .await;
    match ws.recv_for("deep", WAIT).await {
        Got::Msg(m) if m["type"] == "error" => assert_eq!(
            m["payload"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX",
            "{m}"
        ),
        other => panic!("expected QUERY_TOO_COMPLEX, got {other:?}"),
    }
}

#[tokio::test]
async fn an_idle_connection_is_pinged_and_answers_keep_it_open() {
    let app = spawn_app_with(|s| s.events.subscriptions.ping_secs = 1).await;
    let mut ws = connect_as(&app, &app.admin_token.clone()).await;
    // The client library answers pings while reading: three ping periods pass, still open.
    assert_eq!(ws.closed_within(Duration::from_millis(3500)).await, None);
}

#[tokio::test]
async fn a_subscriber_that_does_not_keep_up_is_dropped_as_too_slow() {
    let app = spawn_app().await;
    let broker = Broker::new(app.store.clone(), 2, Duration::from_millis(20));
    let mut slow = broker.subscribe().await.expect("subscribed");
    let mut keeping_up = broker.subscribe().await.expect("subscribed");
    let _relay = publisher(&app);
    for i in 0..5 {
        app.account_as(&app.admin_token.clone(), &format!("Account {i}"), json!({}))
            .await;
        // The second subscriber reads as events come; the first never does.
        let event = tokio::time::timeout(WAIT, keeping_up.next())
            .await
            .expect("an event in time")
            .expect("the feed goes on");
        assert_eq!(event.event_type, "account.created");
    }
    let mut got = 0;
    let end = loop {
        match slow.next().await {
            Ok(_) => got += 1,
            Err(end) => break end,
        }
    };
    assert_eq!(end, FeedEnded::TooSlow);
    assert!(got <= 2, "at most the buffer was kept: {got}");
}

#[tokio::test]
async fn a_get_without_upgrade_still_serves_queries_and_graphiql() {
    let app = spawn_app().await;
    let res = app
        .client()
        .get(format!("{}/graphql", app.address))
        .header("accept", "text/html")
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 200);
    assert!(res.text().await.expect("body").contains("<html"));
    // An upgrade without the subprotocol is refused.
    let res = app
        .client()
        .get(format!("{}/graphql", app.address))
        .header("upgrade", "websocket")
        .header("connection", "upgrade")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 400);
    let _ = until_live;
}

#[tokio::test]
async fn a_connection_that_stops_answering_is_closed_after_two_ping_periods() {
    let app = spawn_app_with(|s| s.events.subscriptions.ping_secs = 1).await;
    let mut ws = connect_as(&app, &app.admin_token.clone()).await;
    // Silence on purpose: the client reads nothing (so answers no ping) for three periods.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(ws.closed_within(WAIT).await.map(|c| c.0), Some(4504));
}

/// The broker hands a burst over in slices of half a buffer, with a pause between them: a
/// subscriber that keeps reading gets every event of a burst far larger than its buffer (a
/// subscriber that stops reading is dropped as `TOO_SLOW`: `events::broker` unit test).
#[tokio::test]
async fn a_burst_larger_than_the_buffer_reaches_a_subscriber_that_keeps_reading() {
    let app = spawn_app_with(|s| s.events.subscriptions.buffer = 4).await;
    let mut ws = connect_as(&app, &app.admin_token.clone()).await;
    ws.subscribe("s", SUB, json!({})).await;
    until_live(&app, 1).await;
    // Thirty events published at once: seven times what the subscriber's buffer holds.
    for i in 0..30 {
        app.account_as(&app.admin_token.clone(), &format!("Burst {i}"), json!({}))
            .await;
    }
    app.store
        .publish_pending_for_tests()
        .await
        .expect("published");
    let mut delivered = 0;
    while delivered < 30 {
        match ws.recv_for("s", WAIT).await {
            Got::Msg(m) if m["type"] == "next" => delivered += 1,
            other => panic!("expected all 30 events, got {other:?} after {delivered}"),
        }
    }
}
