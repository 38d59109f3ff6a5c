//! GraphQL subscriptions over WebSocket: delivery of what changed over HTTP, each reader's
//! scope, authentication at `connection_init` and again while connected, and delivery from
//! one server to a subscriber of another over one database.

use std::time::Duration;

use rapport_tests::{TestApp, complete_sections, spawn_app, spawn_app_with};
use serde_json::{Value, json};

use super::ws::{Got, connect, connect_as, publisher, until_live};

const EVENTS: &str = "subscription($types: [String!], $account: ID) { eventReceived(types: $types, accountId: $account) { id type version timestamp actor { kind id name } aggregateId aggregateType accountId data } }";
const WAIT: Duration = Duration::from_secs(5);

/// The `eventReceived` payload of the next `next` message for `id`.
async fn next_event(ws: &mut super::ws::Ws, id: &str) -> Value {
    match ws.recv_for(id, WAIT).await {
        Got::Msg(m) if m["type"] == "next" => {
            assert!(m["payload"]["errors"].is_null(), "{m}");
            m["payload"]["data"]["eventReceived"].clone()
        }
        other => panic!("expected an event for {id}, got {other:?}"),
    }
}

#[tokio::test]
async fn an_account_created_over_http_reaches_a_subscriber_as_its_envelope() {
    let app = spawn_app().await;
    let _relay = publisher(&app);
    let mut ws = connect_as(&app, &app.admin_token.clone()).await;
    ws.subscribe("1", EVENTS, json!({"types": ["account.created"]}))
        .await;
    until_live(&app, 1).await;

    let account = app
        .account_as(&app.admin_token.clone(), "Acme", json!({}))
        .await;
    let event = next_event(&mut ws, "1").await;
    assert_eq!(event["type"], "account.created");
    assert_eq!(event["aggregateType"], "Account");
    assert_eq!(event["aggregateId"], account);
    assert_eq!(event["accountId"], account);
    assert_eq!(event["version"], 1);
    assert_eq!(event["actor"]["kind"], "STAFF");
    assert!(
        event["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("evt_")),
        "{event}"
    );

    // The filter holds: an update is not an account.created.
    app.gql(
        "mutation($id: ID!) { updateAccount(input: {accountId: $id, expectedVersion: 1, name: \"Acme Ltd\"}) { account { id } } }",
        json!({"id": account}),
    )
    .await
    .ok();
    let other = app
        .account_as(&app.admin_token.clone(), "Globex", json!({}))
        .await;
    let event = next_event(&mut ws, "1").await;
    assert_eq!(event["type"], "account.created");
    assert_eq!(event["aggregateId"], other, "the update was filtered out");
}

#[tokio::test]
async fn a_partner_receives_only_events_of_the_accounts_it_referred() {
    let app = spawn_app().await;
    let _relay = publisher(&app);
    let (_, mine) = app.partner("Mine").await;
    let (_, theirs) = app.partner("Theirs").await;
    let mut ws = connect_as(&app, &mine).await;
    ws.subscribe("p", EVENTS, json!({})).await;
    until_live(&app, 1).await;

    let foreign = app.account_as(&theirs, "Theirs referred", json!({})).await;
    let staff_only = app
        .account_as(&app.admin_token.clone(), "Direct", json!({}))
        .await;
    let own = app.account_as(&mine, "Mine referred", json!({})).await;

    let event = next_event(&mut ws, "p").await;
    assert_eq!(
        event["accountId"], own,
        "the first event a partner receives is about its own account, not {foreign} or {staff_only}"
    );
    assert!(
        matches!(event["actor"]["kind"].as_str(), Some("PARTNER")),
        "{event}"
    );

    // A partner cannot narrow the stream to another partner's account: NOT_FOUND.
    ws.subscribe("q", EVENTS, json!({"account": foreign})).await;
    match ws.recv_for("q", WAIT).await {
        Got::Msg(m) if m["type"] == "error" => {
            assert_eq!(m["payload"][0]["extensions"]["code"], "NOT_FOUND", "{m}");
        }
        other => panic!("expected NOT_FOUND, got {other:?}"),
    }
}

#[tokio::test]
async fn agreement_changed_sends_the_agreement_read_again_after_each_change() {
    let app = spawn_app().await;
    let _relay = publisher(&app);
    let admin = app.admin_token.clone();
    let (account, _) = app.client_account("Acme Support").await;
    let id = app
        .draft_agreement(&admin, &account, complete_sections())
        .await
        .ok()
        .data("/createAgreementDraft/agreement/id")
        .as_str()
        .expect("id")
        .to_owned();
    let mut ws = connect_as(&app, &admin).await;
    ws.subscribe(
        "a",
        "subscription($id: ID!) { agreementChanged(id: $id) { id status version } }",
        json!({"id": id}),
    )
    .await;
    until_live(&app, 1).await;
    app.agreement_action(&admin, "submitAgreement", &id, 1)
        .await
        .ok();
    match ws.recv_for("a", WAIT).await {
        Got::Msg(m) if m["type"] == "next" => {
            let a = &m["payload"]["data"]["agreementChanged"];
            assert_eq!(a["id"], id.as_str());
            assert_eq!(a["status"], "PENDING_APPROVAL");
            assert_eq!(a["version"], 2);
        }
        other => panic!("expected the agreement, got {other:?}"),
    }

    // Out of a partner's scope: NOT_FOUND at subscribe time.
    let (_, partner) = app.partner("Elsewhere").await;
    let mut other = connect_as(&app, &partner).await;
    other
        .subscribe(
            "x",
            "subscription($id: ID!) { agreementChanged(id: $id) { id } }",
            json!({"id": id}),
        )
        .await;
    match other.recv_for("x", WAIT).await {
        Got::Msg(m) if m["type"] == "error" => {
            assert_eq!(m["payload"][0]["extensions"]["code"], "NOT_FOUND", "{m}");
        }
        other => panic!("expected NOT_FOUND, got {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_or_bad_token_is_refused_with_4403() {
    let app = spawn_app().await;
    for payload in [
        json!({}),
        json!({"token": "not-a-jwt"}),
        json!({"authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"}),
    ] {
        let mut ws = connect(&app).await;
        ws.send(json!({"type": "connection_init", "payload": payload}))
            .await;
        let closed = ws.closed_within(WAIT).await;
        assert_eq!(closed.map(|c| c.0), Some(4403), "{payload}");
    }
    // `token` works as well as `authorization`.
    let mut ws = connect(&app).await;
    ws.send(json!({"type": "connection_init", "payload": {"token": app.admin_token}}))
        .await;
    assert!(
        matches!(ws.recv(WAIT).await, Got::Msg(m) if m["type"] == "connection_ack"),
        "a bare token in `token` is accepted"
    );
}

#[tokio::test]
async fn a_revoked_token_and_a_deactivated_member_are_disconnected_within_seconds() {
    let app = spawn_app_with(|s| s.events.subscriptions.recheck_secs = 1).await;
    let (partner, _) = app.partner("Revoked soon").await;
    let issued = app
        .gql(
            "mutation($id: ID!) { issuePartnerToken(input: {partnerId: $id}) { token tokenId } }",
            json!({"id": partner}),
        )
        .await
        .ok();
    let token = issued
        .data("/issuePartnerToken/token")
        .as_str()
        .expect("token")
        .to_owned();
    let token_id = issued
        .data("/issuePartnerToken/tokenId")
        .as_str()
        .expect("id")
        .to_owned();
    let mut revoked = connect_as(&app, &token).await;
    assert_eq!(
        revoked.closed_within(Duration::from_millis(1500)).await,
        None,
        "still valid"
    );
    app.gql(
        "mutation($id: String!) { revokeToken(input: {tokenId: $id}) { tokenId } }",
        json!({"id": token_id}),
    )
    .await
    .ok();
    let closed = revoked.closed_within(WAIT).await;
    assert_eq!(closed.map(|c| c.0), Some(4403), "revoked token");

    let (member, member_token) = app.member("VIEWER").await;
    let mut deactivated = connect_as(&app, &member_token).await;
    deactivate(&app, &member).await;
    let closed = deactivated.closed_within(WAIT).await;
    assert_eq!(closed.map(|c| c.0), Some(4403), "deactivated member");
}

async fn deactivate(app: &TestApp, member: &str) {
    let v = app
        .gql(
            "query($id: ID!) { node(id: $id) { ... on TeamMember { version } } }",
            json!({"id": member}),
        )
        .await
        .ok()
        .data("/node/version")
        .as_i64()
        .expect("version");
    app.gql(
        "mutation($id: ID!, $v: Int!) { updateTeamMember(input: {teamMemberId: $id, expectedVersion: $v, active: false}) { teamMember { active } } }",
        json!({"id": member, "v": v}),
    )
    .await
    .ok();
}

/// Two servers over one database (on PostgreSQL the cross-process case; the second has its
/// own broker, pools and HTTP server): a change made through one reaches a subscriber of the
/// other within two seconds.
#[tokio::test]
async fn a_change_through_one_server_reaches_a_subscriber_of_another_within_two_seconds() {
    let mut url = None;
    let first = spawn_app_with(|s| url.clone_from(&s.database_url)).await;
    let dir = first.data_dir.path().to_path_buf();
    let second = spawn_app_with(|s| {
        s.data_dir = dir;
        s.database_url = url;
    })
    .await;
    let _relay = publisher(&first);
    let mut ws = connect_as(&second, &first.admin_token.clone()).await;
    ws.subscribe("x", EVENTS, json!({"types": ["account.created"]}))
        .await;
    until_live(&second, 1).await;
    let started = tokio::time::Instant::now();
    let account = first
        .account_as(&first.admin_token.clone(), "Made on the first", json!({}))
        .await;
    let event = match ws.recv_for("x", Duration::from_secs(2)).await {
        Got::Msg(m) if m["type"] == "next" => m["payload"]["data"]["eventReceived"].clone(),
        other => panic!("nothing within 2 s on the other server: {other:?}"),
    };
    assert_eq!(event["aggregateId"], account);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn notification_added_sends_the_callers_new_notifications_only() {
    let app = spawn_app().await;
    let (me, token) = app.member("ACCOUNT_MANAGER").await;
    let (other, _) = app.member("ACCOUNT_MANAGER").await;
    let raw = |id: &str| {
        rapport_api::global_id::decode(rapport_api::global_id::Kind::TeamMember, id)
            .expect("a team member id")
    };
    app.store
        .add_notification_for_tests(raw(&me), "APPROVAL_WAITING", "Before", None)
        .await
        .expect("added");
    let mut ws = connect_as(&app, &token).await;
    ws.subscribe(
        "n",
        "subscription { notificationAdded { id kind title subjectId createdAt readAt } }",
        json!({}),
    )
    .await;
    until_live(&app, 1).await;
    app.store
        .add_notification_for_tests(raw(&other), "APPROVAL_WAITING", "Not mine", None)
        .await
        .expect("added");
    app.store
        .add_notification_for_tests(raw(&me), "METRIC_BREACHED", "Mine", Some(&me))
        .await
        .expect("added");
    match ws.recv_for("n", WAIT).await {
        Got::Msg(m) if m["type"] == "next" => {
            let n = &m["payload"]["data"]["notificationAdded"];
            assert_eq!(
                n["title"], "Mine",
                "neither the older one nor another's: {n}"
            );
            assert_eq!(n["kind"], "METRIC_BREACHED");
            assert_eq!(n["subjectId"], me.as_str());
            assert!(n["readAt"].is_null());
        }
        other => panic!("expected a notification, got {other:?}"),
    }

    // Partners have no inbox.
    let (_, partner) = app.partner("No inbox").await;
    let mut ws = connect_as(&app, &partner).await;
    ws.subscribe("n", "subscription { notificationAdded { id } }", json!({}))
        .await;
    match ws.recv_for("n", WAIT).await {
        Got::Msg(m) if m["type"] == "error" => {
            assert_eq!(m["payload"][0]["extensions"]["code"], "FORBIDDEN", "{m}");
        }
        other => panic!("expected FORBIDDEN, got {other:?}"),
    }
}

#[tokio::test]
async fn a_token_that_expires_while_connected_closes_the_socket() {
    let app = spawn_app_with(|s| {
        s.jwt.leeway_seconds = 0;
        s.events.subscriptions.recheck_secs = 1;
    })
    .await;
    let settings = rapport_api::config::Settings {
        data_dir: app.data_dir.path().to_path_buf(),
        ..rapport_api::config::Settings::default()
    };
    let keys = rapport_api::startup::load_keys(&settings).expect("keys");
    let (token, _, expires) = keys
        .mint(
            "bootstrap-admin",
            "ADMIN",
            None,
            chrono::Duration::seconds(2),
            chrono::Utc::now(),
        )
        .expect("a short token");
    let mut ws = connect_as(&app, &token).await;
    let closed = ws.closed_within(Duration::from_secs(6)).await;
    assert_eq!(closed.map(|c| c.0), Some(4403), "expired at {expires}");
    assert!(chrono::Utc::now() >= expires, "closed only once expired");
}
