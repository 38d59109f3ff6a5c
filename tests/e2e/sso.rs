//! Sign-in through an identity provider (`jwt.jwks_url`), against a local JWKS endpoint and
//! tokens signed by test key pairs: known users sign in (by subject, else by verified email),
//! unknown ones are refused unless auto-provisioning is on, keys rotate at the provider, the
//! provider goes down, a flood of unknown `kid`s stays cheap, and Rapport's own tokens keep
//! working beside the provider's.
//!
//! The key cache runs on the wall clock here, so the rotation and outage tests wait out a
//! 1-second refresh interval and cache lifetime (the settings' minimum); the same rules are
//! checked against a stepped clock in `api/src/auth/idp/remote_keys_tests.rs`.

use std::time::Duration;

use rapport_api::auth::jwt::JwtAlgorithm;
use rapport_api::config::Settings;
use rapport_tests::mock::jwks::routes;
use rapport_tests::mock::{Fault, JwksMock, TestKey};
use rapport_tests::{TestApp, spawn_app_with};
use serde_json::{Value, json};

const ISSUER: &str = "https://idp.example.test/realms/staff";
const AUDIENCE: &str = "rapport";
const KID_A: &str = "key-2026-a";
const KID_B: &str = "key-2026-b";
const VIEWER: &str = "{ viewer { subject role teamMember { email } } }";

async fn sso_app(idp: &JwksMock, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let url = idp.url();
    spawn_app_with(move |s: &mut Settings| {
        s.jwt.algorithms = vec![JwtAlgorithm::HS256, JwtAlgorithm::ES256];
        s.jwt.jwks_url = Some(url);
        s.jwt.jwks_http_hosts = vec!["127.0.0.1".to_owned()];
        s.jwt.provider_issuer = Some(ISSUER.to_owned());
        s.jwt.provider_audience = Some(AUDIENCE.to_owned());
        s.jwt.jwks_refresh_seconds = 1;
        tweak(s);
    })
    .await
}

fn claims(sub: &str, email: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "iss": ISSUER, "aud": AUDIENCE, "sub": sub, "email": email, "email_verified": true,
        "name": "Provider User", "iat": now, "exp": now + 300,
    })
}

/// The caller's `viewer`, or the error code.
async fn viewer(app: &TestApp, token: &str) -> Result<Value, String> {
    let res = app.gql_as(Some(token), VIEWER, json!({})).await;
    match res.body.pointer("/data/viewer") {
        Some(viewer) if !viewer.is_null() => Ok(viewer.clone()),
        _ => Err(res.error_code().unwrap_or("none").to_owned()),
    }
}

async fn create_member(app: &TestApp, subject: &str, email: &str, role: &str) -> String {
    app.gql(
        "mutation($input: CreateTeamMemberInput!) { createTeamMember(input: $input) { teamMember { id } } }",
        json!({"input": {"name": "Staff", "email": email, "role": role, "subject": subject}}),
    )
    .await
    .ok()
    .data("/createTeamMember/teamMember/id")
    .as_str()
    .expect("a member id")
    .to_owned()
}

async fn member_count(app: &TestApp) -> i64 {
    app.gql("{ teamMembers { totalCount } }", json!({}))
        .await
        .ok()
        .data("/teamMembers/totalCount")
        .as_i64()
        .expect("a count")
}

#[tokio::test]
async fn a_known_member_signs_in_by_subject_or_by_verified_email() {
    let idp = JwksMock::start(vec![TestKey::A.jwk(KID_A)]).await;
    let app = sso_app(&idp, |_| {}).await;
    create_member(&app, "kc-ada", "ada@example.test", "ACCOUNT_MANAGER").await;
    create_member(&app, "bob-rapport", "Bob@Example.test", "SUPPORT_AGENT").await;

    let ada = TestKey::A.sign(KID_A, &claims("kc-ada", "ada@elsewhere.test"));
    let seen = viewer(&app, &ada).await.expect("ada signs in by subject");
    assert_eq!(seen["subject"], "kc-ada");
    assert_eq!(seen["role"], "ACCOUNT_MANAGER");

    // Bob's provider id is unknown to Rapport; his verified email links him.
    let bob = TestKey::A.sign(KID_A, &claims("0b7d-uuid", "bob@example.test"));
    let seen = viewer(&app, &bob).await.expect("bob signs in by email");
    assert_eq!(seen["subject"], "bob-rapport", "acts as his Rapport member");
    assert_eq!(seen["role"], "SUPPORT_AGENT");

    let mut unverified = claims("other-uuid", "bob@example.test");
    unverified["email_verified"] = json!(false);
    let token = TestKey::A.sign(KID_A, &unverified);
    assert_eq!(viewer(&app, &token).await, Err("UNAUTHENTICATED".into()));

    // Rapport's own tokens keep working beside the provider's: staff and partners.
    assert!(viewer(&app, &app.admin_token).await.is_ok());
    let (_, partner_token) = app.partner("Reseller").await;
    let seen = viewer(&app, &partner_token).await.expect("partner token");
    assert_eq!(seen["role"], "PARTNER");
}

#[tokio::test]
async fn deactivating_a_linked_member_refuses_their_next_request() {
    let idp = JwksMock::start(vec![TestKey::A.jwk(KID_A)]).await;
    let app = sso_app(&idp, |_| {}).await;
    let id = create_member(&app, "kc-carol", "carol@example.test", "VIEWER").await;
    let token = TestKey::A.sign(KID_A, &claims("kc-carol", "carol@example.test"));
    viewer(&app, &token).await.expect("signs in");
    viewer(&app, &token).await.expect("answered from the cache");
    app.gql(
        "mutation($id: ID!) { updateTeamMember(input: {teamMemberId: $id, expectedVersion: 1, active: false}) { teamMember { active } } }",
        json!({"id": id}),
    )
    .await
    .ok();
    assert_eq!(viewer(&app, &token).await, Err("UNAUTHENTICATED".into()));
}

#[tokio::test]
async fn an_unknown_user_is_refused_when_auto_provisioning_is_off() {
    let idp = JwksMock::start(vec![TestKey::A.jwk(KID_A)]).await;
    let app = sso_app(&idp, |_| {}).await;
    let before = member_count(&app).await;
    let token = TestKey::A.sign(KID_A, &claims("stranger", "stranger@example.test"));
    assert_eq!(viewer(&app, &token).await, Err("UNAUTHENTICATED".into()));
    assert_eq!(member_count(&app).await, before, "nothing created");
}

#[tokio::test]
async fn with_auto_provisioning_an_unknown_user_becomes_one_member_once_audited_by_the_idp() {
    let idp = JwksMock::start(vec![TestKey::A.jwk(KID_A)]).await;
    let app = sso_app(&idp, |s| {
        s.jwt.auto_provision = true;
        s.jwt.auto_provision_role = "SUPPORT_AGENT".to_owned();
    })
    .await;
    let before = member_count(&app).await;
    let token = TestKey::A.sign(KID_A, &claims("kc-dora", "dora@example.test"));
    // Many first requests at once: one member.
    let attempts: Vec<_> = (0..8)
        .map(|_| {
            let (app, token) = (&app, token.clone());
            async move { viewer(app, &token).await }
        })
        .collect();
    for seen in futures_util::future::join_all(attempts).await {
        let seen = seen.expect("provisioned user signs in");
        assert_eq!(seen["subject"], "kc-dora");
        assert_eq!(seen["role"], "SUPPORT_AGENT");
        assert_eq!(seen["teamMember"]["email"], "dora@example.test");
    }
    viewer(&app, &token).await.expect("and again later");
    assert_eq!(member_count(&app).await, before + 1);
    let audit = app
        .gql(
            "{ auditLog(filter: {action: \"provisionTeamMember\"}) { nodes { actor } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        audit.data("/auditLog/nodes"),
        &json!([{"actor": format!("idp:{ISSUER}")}])
    );
}

#[tokio::test]
async fn a_key_rotated_at_the_provider_is_fetched_on_first_use_and_the_removed_one_refused() {
    let idp = JwksMock::start(vec![TestKey::A.jwk(KID_A)]).await;
    let app = sso_app(&idp, |_| {}).await;
    create_member(&app, "kc-eve", "eve@example.test", "VIEWER").await;
    let old = TestKey::A.sign(KID_A, &claims("kc-eve", "eve@example.test"));
    viewer(&app, &old).await.expect("old key works");
    assert_eq!(idp.stats().on(routes::CERTS), 1, "fetched once, at start");

    idp.publish(vec![TestKey::B.jwk(KID_B)]);
    // Past the 1 s refresh interval since the fetch at start.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let new = TestKey::B.sign(KID_B, &claims("kc-eve", "eve@example.test"));
    viewer(&app, &new)
        .await
        .expect("new kid fetched on first use");
    assert_eq!(idp.stats().on(routes::CERTS), 2);
    assert_eq!(viewer(&app, &old).await, Err("UNAUTHENTICATED".into()));
}

#[tokio::test]
async fn a_flood_of_unknown_kids_fetches_the_provider_at_most_once_per_interval() {
    let idp = JwksMock::start(vec![TestKey::A.jwk(KID_A)]).await;
    let app = sso_app(&idp, |s| s.jwt.jwks_refresh_seconds = 30).await;
    for n in 0..100 {
        let token = TestKey::A.sign(&format!("forged-{n}"), &claims("x", "x@example.test"));
        assert_eq!(viewer(&app, &token).await, Err("UNAUTHENTICATED".into()));
    }
    // The fetch at start; within 30 s of it no unknown kid fetches again.
    assert_eq!(idp.stats().on(routes::CERTS), 1);
}

#[tokio::test]
async fn while_the_provider_is_down_stale_keys_serve_within_the_bound_then_are_refused() {
    let idp = JwksMock::start(vec![TestKey::A.jwk(KID_A)]).await;
    let app = sso_app(&idp, |s| {
        s.jwt.jwks_cache_seconds = 1;
        s.jwt.jwks_stale_seconds = 2;
    })
    .await;
    create_member(&app, "kc-finn", "finn@example.test", "VIEWER").await;
    let token = TestKey::A.sign(KID_A, &claims("kc-finn", "finn@example.test"));
    viewer(&app, &token).await.expect("fresh keys");
    idp.faults().always(routes::CERTS, Fault::status(503));
    tokio::time::sleep(Duration::from_millis(1200)).await;
    viewer(&app, &token)
        .await
        .expect("expired keys serve while the provider is down");
    assert!(idp.stats().on(routes::CERTS) >= 2, "a refresh was tried");
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(viewer(&app, &token).await, Err("UNAUTHENTICATED".into()));
    // Rapport's own tokens do not depend on the provider.
    assert!(viewer(&app, &app.admin_token).await.is_ok());
}

#[tokio::test]
async fn a_server_starts_while_the_provider_is_down_and_signs_in_once_it_answers() {
    let idp = JwksMock::start(vec![TestKey::A.jwk(KID_A)]).await;
    idp.faults().always(routes::CERTS, Fault::status(502));
    let app = sso_app(&idp, |_| {}).await;
    create_member(&app, "kc-gus", "gus@example.test", "VIEWER").await;
    let token = TestKey::A.sign(KID_A, &claims("kc-gus", "gus@example.test"));
    assert_eq!(viewer(&app, &token).await, Err("UNAUTHENTICATED".into()));
    idp.faults().clear();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    viewer(&app, &token)
        .await
        .expect("keys fetched once the provider answers");
}

#[tokio::test]
async fn a_wrong_issuer_or_audience_is_refused() {
    let idp = JwksMock::start(vec![TestKey::A.jwk(KID_A)]).await;
    let app = sso_app(&idp, |_| {}).await;
    create_member(&app, "kc-hal", "hal@example.test", "VIEWER").await;
    let good = claims("kc-hal", "hal@example.test");
    viewer(&app, &TestKey::A.sign(KID_A, &good))
        .await
        .expect("the right issuer and audience");
    for (claim, value) in [
        ("iss", json!("https://evil.example.test/")),
        ("aud", json!("another-app")),
        ("aud", json!(["another-app", "account"])),
    ] {
        let mut bad = good.clone();
        bad[claim] = value.clone();
        assert_eq!(
            viewer(&app, &TestKey::A.sign(KID_A, &bad)).await,
            Err("UNAUTHENTICATED".into()),
            "{claim} = {value}"
        );
    }
}
