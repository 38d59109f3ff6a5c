//! Authentication answered from memory: a request whose caller is known runs no SQL, and a
//! change to who a caller is — revocation, deactivation, role change, partner deactivation —
//! is refused at once by the server that made it and within a second by every other server on
//! the same database: a real `rapport serve` process, and a second server in this process with
//! its own store (whose statement counter shows it was answering from its cache).

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rapport_api::config::Settings;
use rapport_api::startup::Application;
use rapport_api::store::Store;
use rapport_integrations::Registry;
use rapport_tests::{TestApp, spawn_app, spawn_app_with};
use serde_json::{Value, json};

const BINARY: &str = env!("CARGO_BIN_EXE_rapport-harness");

/// How long another server may keep honouring a changed caller.
const BOUND: Duration = Duration::from_secs(1);

/// A `rapport-harness serve` process on the test app's database and keys.
struct Served {
    child: Child,
    address: String,
}

impl Served {
    fn start(settings: &Settings) -> Self {
        let mut cmd = Command::new(BINARY);
        cmd.arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RAPPORT_DATA_DIR", &settings.data_dir)
            .env("RAPPORT_HTTP__PORT", "0")
            .env("RAPPORT_SCHEDULER__INTERVAL_SECS", "0")
            .env("RAPPORT_EVENTS__RELAY_IN_SERVER", "false")
            .env("RAPPORT_RATE_LIMIT__ADDRESS_BURST", "10000")
            .env("RAPPORT_RATE_LIMIT__SUBJECT_BURST", "100000")
            .env("RAPPORT_LOG__FILTER", "warn");
        if let Some(url) = &settings.database_url {
            cmd.env("RAPPORT_DATABASE_URL", url);
        }
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve starts");
        let address = rapport_tests::banner::read_banner(
            child.stderr.take().expect("stderr"),
            Arc::default(),
        )
        .address;
        Self { child, address }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A second server in this process on the same database, with its own store and cache.
struct Twin {
    address: String,
    store: Store,
}

impl Twin {
    async fn start(settings: &Settings) -> Self {
        let mut settings = settings.clone();
        settings.database.migrate_on_start = false;
        let app = Application::build_with(settings, Registry::default())
            .await
            .expect("second server starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let store = app.store().clone();
        tokio::spawn(app.run_until_stopped());
        Self { address, store }
    }
}

/// The test app (server A), a real process (B) and a twin (C), all on one database.
async fn three_servers() -> (TestApp, Served, Twin) {
    let seen = Arc::new(Mutex::new(None));
    let keep = seen.clone();
    let a = spawn_app_with(move |s| {
        *keep.lock().expect("settings") = Some(s.clone());
    })
    .await;
    let settings = seen
        .lock()
        .expect("settings")
        .clone()
        .expect("spawn_app_with hands over its settings");
    let b = Served::start(&settings);
    let c = Twin::start(&settings).await;
    (a, b, c)
}

/// The HTTP status of `{ __typename }` sent to `address` with `token`.
async fn status(app: &TestApp, address: &str, token: &str) -> u16 {
    app.client()
        .post(format!("{address}/graphql"))
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .bearer_auth(token)
        .json(&json!({"query": "{ __typename }"}))
        .send()
        .await
        .expect("request sent")
        .status()
        .as_u16()
}

/// Statements `store` ran while `address` answered `token` once, and the status.
async fn measured(app: &TestApp, store: &Store, address: &str, token: &str) -> (u64, u16) {
    let before = store.statement_count();
    let status = status(app, address, token).await;
    (store.statement_count() - before, status)
}

/// Asks `address` until it refuses `token`; panics if it still accepts after [`BOUND`].
async fn refused_within_bound(app: &TestApp, address: &str, token: &str, since: Instant) {
    loop {
        let answer = status(app, address, token).await;
        if answer == 401 {
            return;
        }
        assert_eq!(answer, 200, "{address} answered {answer}");
        assert!(
            since.elapsed() < BOUND,
            "{address} still accepted the token {:?} after the change",
            since.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn jti(token: &str) -> String {
    use base64::Engine as _;
    let claims = token.split('.').nth(1).expect("payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(claims)
        .expect("base64");
    let claims: Value = serde_json::from_slice(&bytes).expect("json");
    claims["jti"].as_str().expect("jti").to_owned()
}

async fn version(app: &TestApp, id: &str) -> i64 {
    app.gql(
        "query($id: ID!) { node(id: $id) { ... on TeamMember { version } ... on Partner { version } } }",
        json!({"id": id}),
    )
    .await
    .ok()
    .data("/node/version")
    .as_i64()
    .expect("version")
}

/// Warms C's cache with `token` until C answers it without SQL. C hears of the set-up's own
/// writes (the member, the token) up to one poll later on SQLite and clears its cache then, so
/// a warm cache is only certain once that news has arrived: within [`BOUND`].
async fn cached_on_c(a: &TestApp, c: &Twin, token: &str) {
    let since = Instant::now();
    loop {
        let (on_c, status_c) = measured(a, &c.store, &c.address, token).await;
        assert_eq!(status_c, 200, "C accepts the token");
        if on_c == 0 {
            return;
        }
        assert!(
            since.elapsed() < BOUND,
            "C still reads the database for a known caller ({on_c} statements) {:?} after warming",
            since.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Warms every server's cache with `token`, applies `change` through A, then checks A refuses
/// the next request and B and C refuse within the bound.
async fn refused_everywhere(
    (a, b, c): &(TestApp, Served, Twin),
    token: &str,
    change: impl AsyncFnOnce(&TestApp),
) {
    // Twice each: the second answer comes from the cache, as the statement counts show.
    for _ in 0..2 {
        assert_eq!(
            status(a, &b.address, token).await,
            200,
            "B accepts the token"
        );
    }
    measured(a, &a.store, &a.address, token).await;
    let (on_a, status_a) = measured(a, &a.store, &a.address, token).await;
    assert_eq!((on_a, status_a), (0, 200), "A answers from its cache");
    cached_on_c(a, c, token).await;

    change(a).await;
    let since = Instant::now();
    assert_eq!(
        status(a, &a.address, token).await,
        401,
        "A refuses the very next request"
    );
    refused_within_bound(a, &b.address, token, since).await;
    refused_within_bound(a, &c.address, token, since).await;
}

#[tokio::test]
async fn a_token_revoked_through_one_server_is_refused_by_every_server_within_a_second() {
    let servers = three_servers().await;
    let (_, token) = servers.0.member("VIEWER").await;
    refused_everywhere(&servers, &token, async |a: &TestApp| {
        a.gql(
            "mutation($id: String!) { revokeToken(input: {tokenId: $id}) { newlyRevoked } }",
            json!({"id": jti(&token)}),
        )
        .await
        .ok();
    })
    .await;
}

#[tokio::test]
async fn a_member_deactivated_through_one_server_is_refused_by_every_server_within_a_second() {
    let servers = three_servers().await;
    let (member, token) = servers.0.member("ACCOUNT_MANAGER").await;
    refused_everywhere(&servers, &token, async |a: &TestApp| {
        let v = version(a, &member).await;
        a.gql(
            "mutation($id: ID!, $v: Int!) { updateTeamMember(input: {teamMemberId: $id, expectedVersion: $v, active: false}) { teamMember { active } } }",
            json!({"id": member, "v": v}),
        )
        .await
        .ok();
    })
    .await;
}

#[tokio::test]
async fn a_role_changed_through_one_server_refuses_the_old_token_on_every_server_within_a_second() {
    let servers = three_servers().await;
    let (member, token) = servers.0.member("VIEWER").await;
    refused_everywhere(&servers, &token, async |a: &TestApp| {
        let v = version(a, &member).await;
        a.gql(
            "mutation($id: ID!, $v: Int!) { updateTeamMember(input: {teamMemberId: $id, expectedVersion: $v, role: SUPPORT_AGENT}) { teamMember { role } } }",
            json!({"id": member, "v": v}),
        )
        .await
        .ok();
    })
    .await;
}

#[tokio::test]
async fn a_partner_deactivated_through_one_server_is_refused_by_every_server_within_a_second() {
    let servers = three_servers().await;
    let (partner, token) = servers.0.partner("Cached Partners").await;
    refused_everywhere(&servers, &token, async |a: &TestApp| {
        let v = version(a, &partner).await;
        a.gql(
            "mutation($id: ID!, $v: Int!) { updatePartner(input: {partnerId: $id, expectedVersion: $v, active: false}) { partner { active } } }",
            json!({"id": partner, "v": v}),
        )
        .await
        .ok();
    })
    .await;
}

#[tokio::test]
async fn a_change_made_in_the_database_directly_is_heard_by_every_server_within_a_second() {
    // Not through Rapport at all (an operator's SQL): the database announces it by itself.
    let servers = three_servers().await;
    let (_, token) = servers.0.member("VIEWER").await;
    let subject = {
        use base64::Engine as _;
        let claims = token.split('.').nth(1).expect("payload");
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(claims)
            .expect("base64");
        let claims: Value = serde_json::from_slice(&bytes).expect("json");
        claims["sub"].as_str().expect("sub").to_owned()
    };
    let (a, b, c) = &servers;
    for _ in 0..2 {
        assert_eq!(status(a, &a.address, &token).await, 200);
        assert_eq!(status(a, &b.address, &token).await, 200);
        assert_eq!(status(a, &c.address, &token).await, 200);
    }
    assert!(
        subject
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
    );
    // Through C's store: A hears it like B does, from the database, not from its own commit.
    c.store
        .execute_raw(&format!(
            "UPDATE team_members SET active = false WHERE subject = '{subject}'"
        ))
        .await
        .expect("update");
    let since = Instant::now();
    refused_within_bound(a, &a.address, &token, since).await;
    refused_within_bound(a, &b.address, &token, since).await;
    refused_within_bound(a, &c.address, &token, since).await;
}

#[tokio::test]
async fn a_known_caller_runs_no_sql_statement() {
    let app = spawn_app().await;
    let a = &app;
    let (first, status_first) = measured(a, &a.store, &a.address, &a.admin_token).await;
    assert_eq!(status_first, 200);
    assert!(first > 0, "the first request reads the caller");
    for _ in 0..3 {
        let (n, status) = measured(a, &a.store, &a.address, &a.admin_token).await;
        assert_eq!((n, status), (0, 200), "statements for a known caller");
    }
}
