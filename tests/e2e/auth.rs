//! Authentication through HTTP: every refused credential looks the same to the client, and
//! deactivation, revocation and role changes take effect on the very next request.

use std::collections::BTreeSet;
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rapport_api::auth::jwt::JwtAlgorithm;
use rapport_api::global_id::{self, Kind};
use rapport_tests::{TestApp, spawn_app, spawn_app_with};
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde_json::{Value, json};

const VIEWER_QUERY: &str = "{ viewer { subject role } }";

/// What came back for one request.
#[derive(Debug)]
struct Answer {
    status: u16,
    www_authenticate: Option<String>,
    body: Value,
}

/// POSTs the viewer query with `authorization` as the raw header value (or none).
async fn ask(app: &TestApp, authorization: Option<HeaderValue>) -> Answer {
    let mut req = app
        .client()
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .json(&json!({"query": VIEWER_QUERY}));
    if let Some(value) = authorization {
        req = req.header(AUTHORIZATION, value);
    }
    let res = req.send().await.expect("request sent");
    let status = res.status().as_u16();
    let www_authenticate = res
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = res.json().await.unwrap_or(Value::Null);
    Answer {
        status,
        www_authenticate,
        body,
    }
}

fn bearer(token: &str) -> Option<HeaderValue> {
    Some(HeaderValue::from_str(&format!("Bearer {token}")).expect("header value"))
}

/// Asserts a bare 401 UNAUTHENTICATED and returns its message.
fn assert_unauthenticated(answer: &Answer, case: &str) -> String {
    assert_eq!(answer.status, 401, "{case}: {answer:?}");
    assert_eq!(
        answer.www_authenticate.as_deref(),
        Some("Bearer"),
        "{case}: {answer:?}"
    );
    let errors = answer.body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("{case}: no errors: {answer:?}"));
    assert_eq!(errors.len(), 1, "{case}: {answer:?}");
    assert_eq!(
        errors[0]["extensions"]["code"], "UNAUTHENTICATED",
        "{case}: {answer:?}"
    );
    assert!(answer.body.get("data").is_none(), "{case}: {answer:?}");
    errors[0]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("{case}: no message: {answer:?}"))
        .to_owned()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Claims the app would accept for the bootstrap admin.
fn valid_claims() -> Value {
    json!({
        "sub": "bootstrap-admin",
        "role": "ADMIN",
        "iss": "rapport",
        "aud": "rapport-api",
        "exp": now() + 600,
        "iat": now(),
        "jti": uuid::Uuid::new_v4().to_string(),
    })
}

fn with(mut claims: Value, name: &str, value: Value) -> Value {
    claims[name] = value;
    claims
}

fn without(mut claims: Value, name: &str) -> Value {
    claims.as_object_mut().expect("object").remove(name);
    claims
}

/// The app's HS256 secret.
fn secret(app: &TestApp) -> Vec<u8> {
    let text = std::fs::read_to_string(app.data_dir.path().join("jwt-secret")).expect("secret");
    STANDARD.decode(text.trim()).expect("base64 secret")
}

fn sign(key: &[u8], claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(key),
    )
    .expect("signed")
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// The claims of a token, read without verifying it.
fn payload(token: &str) -> Value {
    let part = token.split('.').nth(1).expect("payload segment");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("json")
}

#[tokio::test]
async fn every_refused_credential_answers_a_bare_401_with_one_message() {
    let app = spawn_app().await;
    let key = secret(&app);

    // The crafted valid token works, so each refusal below is about its one defect.
    let ok = ask(&app, bearer(&sign(&key, &valid_claims()))).await;
    assert_eq!(ok.status, 200, "{ok:?}");
    assert_eq!(ok.body["data"]["viewer"]["subject"], "bootstrap-admin");

    let valid = sign(&key, &valid_claims());
    let segments: Vec<&str> = valid.split('.').collect();
    let (head, sig) = (segments[0], segments[2]);
    let forged_payload = b64(&with(valid_claims(), "sub", json!("someone-else")));
    let none_header = b64(&json!({"alg": "none", "typ": "JWT"}));
    let big_claims = with(valid_claims(), "padding", json!("x".repeat(20_000)));
    let random: Vec<u8> = uuid::Uuid::new_v4()
        .as_bytes()
        .iter()
        .chain(uuid::Uuid::new_v4().as_bytes())
        .map(|b| 0x80 | b)
        .collect();

    let cases: Vec<(&str, Option<HeaderValue>)> = vec![
        ("no header", None),
        ("empty header", Some(HeaderValue::from_static(""))),
        (
            "alg none",
            bearer(&format!("{none_header}.{}.", b64(&valid_claims()))),
        ),
        (
            "alg none with the real signature",
            bearer(&format!("{none_header}.{}.{sig}", segments[1])),
        ),
        (
            "expired",
            bearer(&sign(
                &key,
                &with(valid_claims(), "exp", json!(now() - 3600)),
            )),
        ),
        (
            "not yet valid",
            bearer(&sign(
                &key,
                &with(valid_claims(), "nbf", json!(now() + 3600)),
            )),
        ),
        (
            "wrong aud",
            bearer(&sign(
                &key,
                &with(valid_claims(), "aud", json!("someone-else")),
            )),
        ),
        (
            "aud as an array",
            bearer(&sign(
                &key,
                &with(valid_claims(), "aud", json!(["rapport-api", "other"])),
            )),
        ),
        (
            "wrong iss",
            bearer(&sign(&key, &with(valid_claims(), "iss", json!("evil")))),
        ),
        (
            "missing sub",
            bearer(&sign(&key, &without(valid_claims(), "sub"))),
        ),
        (
            "empty sub",
            bearer(&sign(&key, &with(valid_claims(), "sub", json!("")))),
        ),
        (
            "missing exp",
            bearer(&sign(&key, &without(valid_claims(), "exp"))),
        ),
        (
            "exp as a string",
            bearer(&sign(
                &key,
                &with(valid_claims(), "exp", json!((now() + 600).to_string())),
            )),
        ),
        (
            "NUL byte in sub",
            bearer(&sign(
                &key,
                &with(valid_claims(), "sub", json!("bootstrap-admin\u{0}")),
            )),
        ),
        (
            "NUL byte in jti",
            bearer(&sign(&key, &with(valid_claims(), "jti", json!("a\u{0}b")))),
        ),
        (
            "jti that could never be revoked",
            bearer(&sign(
                &key,
                &with(valid_claims(), "jti", json!("not_revocable")),
            )),
        ),
        (
            "missing jti",
            bearer(&sign(&key, &without(valid_claims(), "jti"))),
        ),
        (
            "tampered payload",
            bearer(&format!("{head}.{forged_payload}.{sig}")),
        ),
        (
            "stripped signature",
            bearer(&format!("{head}.{}.", segments[1])),
        ),
        (
            "no signature segment",
            bearer(&format!("{head}.{}", segments[1])),
        ),
        (
            "signed with another secret",
            bearer(&sign(&[7u8; 64], &valid_claims())),
        ),
        (
            "unknown role",
            bearer(&sign(&key, &with(valid_claims(), "role", json!("ROOT")))),
        ),
        (
            "role the member does not hold",
            bearer(&sign(&key, &with(valid_claims(), "role", json!("VIEWER")))),
        ),
        (
            "unknown subject",
            bearer(&sign(&key, &with(valid_claims(), "sub", json!("nobody")))),
        ),
        (
            "partner token without partner_id",
            bearer(&sign(
                &key,
                &with(
                    with(valid_claims(), "role", json!("PARTNER")),
                    "sub",
                    json!("partner:x"),
                ),
            )),
        ),
        (
            "partner token with a partner_id that is not a partner",
            bearer(&sign(
                &key,
                &with(
                    with(valid_claims(), "role", json!("PARTNER")),
                    "partner_id",
                    json!(global_id::encode(Kind::Partner, 999_999)),
                ),
            )),
        ),
        (
            "staff token with a partner_id",
            bearer(&sign(
                &key,
                &with(
                    valid_claims(),
                    "partner_id",
                    json!(global_id::encode(Kind::Partner, 1)),
                ),
            )),
        ),
        ("bare Bearer", Some(HeaderValue::from_static("Bearer"))),
        (
            "Bearer and a space",
            Some(HeaderValue::from_static("Bearer ")),
        ),
        ("Basic", Some(HeaderValue::from_static("Basic abc"))),
        (
            "Basic with the valid token",
            Some(HeaderValue::from_str(&format!("Basic {valid}")).expect("value")),
        ),
        (
            "Bearer a.b.c",
            Some(HeaderValue::from_static("Bearer a.b.c")),
        ),
        (
            "two spaces",
            Some(HeaderValue::from_str(&format!("Bearer  {valid}")).expect("value")),
        ),
        (
            "random bytes",
            Some(HeaderValue::from_bytes(&random).expect("value")),
        ),
        (
            "oversized garbage",
            Some(HeaderValue::from_str(&format!("Bearer {}", "a".repeat(20_000))).expect("value")),
        ),
        (
            "oversized but validly signed",
            bearer(&sign(&key, &big_claims)),
        ),
    ];

    let mut messages = BTreeSet::new();
    for (case, header) in cases {
        let answer = ask(&app, header).await;
        messages.insert(assert_unauthenticated(&answer, case));
    }
    assert_eq!(
        messages.len(),
        1,
        "the messages tell the reasons apart: {messages:?}"
    );
    // GET (queries over GET are allowed) refuses the same way.
    let res = app
        .client()
        .get(format!("{}/graphql", app.address))
        .query(&[("query", VIEWER_QUERY)])
        .header("accept", "application/graphql-response+json")
        .header(
            AUTHORIZATION,
            format!(
                "Bearer {}",
                sign(&key, &with(valid_claims(), "aud", json!("x")))
            ),
        )
        .send()
        .await
        .expect("request sent");
    let answer = Answer {
        status: res.status().as_u16(),
        www_authenticate: res
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: res.json().await.unwrap_or(Value::Null),
    };
    messages.insert(assert_unauthenticated(&answer, "GET with a wrong aud"));
    assert_eq!(messages.len(), 1, "GET says something else: {messages:?}");

    // The server is still fine after all that.
    let ok = ask(&app, bearer(&app.admin_token.clone())).await;
    assert_eq!(ok.status, 200, "{ok:?}");
}

#[tokio::test]
async fn an_hs256_token_keyed_with_the_rsa_public_key_is_refused_by_an_rs256_server() {
    let testdata = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../api/src/auth/testdata");
    let public = testdata.join("rsa_public.pem");
    let private = testdata.join("rsa_private.pem");
    let app = spawn_app_with(|s| {
        s.jwt.algorithms = vec![JwtAlgorithm::RS256];
        s.jwt.public_key_pem = Some(public.clone());
        s.jwt.private_key_pem = Some(private.clone());
    })
    .await;

    // The server's own RS256 token works.
    let admin = app.admin_token.clone();
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(admin.split('.').next().expect("header"))
            .expect("base64url"),
    )
    .expect("json");
    assert_eq!(header["alg"], "RS256");
    let ok = ask(&app, bearer(&admin)).await;
    assert_eq!(ok.status, 200, "{ok:?}");

    // The classic confusion: HMAC keyed with the public key the server verifies RS256 with.
    let pem = std::fs::read(&public).expect("public key");
    let pem_text = String::from_utf8(pem.clone()).expect("utf-8");
    let der = STANDARD
        .decode(
            pem_text
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<String>(),
        )
        .expect("der");
    let mut messages = BTreeSet::new();
    for (case, key) in [
        ("pem bytes", pem.clone()),
        ("trimmed pem", pem_text.trim().as_bytes().to_vec()),
        ("der bytes", der),
    ] {
        let token = sign(&key, &valid_claims());
        let answer = ask(&app, bearer(&token)).await;
        messages.insert(assert_unauthenticated(&answer, case));
    }
    // And the HS256 secret the harness would use on an HS256 server means nothing here.
    assert!(!app.data_dir.path().join("jwt-secret").exists());
    assert_eq!(messages.len(), 1);

    // Even with HS256 pinned beside RS256, the HMAC key is the generated secret, never the
    // public key's bytes.
    let both = spawn_app_with(|s| {
        s.jwt.algorithms = vec![JwtAlgorithm::RS256, JwtAlgorithm::HS256];
        s.jwt.public_key_pem = Some(public.clone());
        s.jwt.private_key_pem = Some(private.clone());
    })
    .await;
    assert_eq!(
        ask(&both, bearer(&both.admin_token.clone())).await.status,
        200
    );
    let hs256 = ask(&both, bearer(&sign(&secret(&both), &valid_claims()))).await;
    assert_eq!(hs256.status, 200, "HS256 is pinned here: {hs256:?}");
    let confused = ask(&both, bearer(&sign(&pem, &valid_claims()))).await;
    assert_unauthenticated(&confused, "HS256 keyed with the public key, HS256 pinned");
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

#[tokio::test]
async fn a_deactivated_team_member_is_refused_on_the_very_next_request() {
    let app = spawn_app().await;
    let (member, token) = app.member("ACCOUNT_MANAGER").await;
    let ok = ask(&app, bearer(&token)).await;
    assert_eq!(ok.status, 200, "{ok:?}");
    assert_eq!(ok.body["data"]["viewer"]["role"], "ACCOUNT_MANAGER");

    let v = version(&app, &member).await;
    app.gql(
        "mutation($id: ID!, $v: Int!) { updateTeamMember(input: {teamMemberId: $id, expectedVersion: $v, active: false}) { teamMember { active } } }",
        json!({"id": member, "v": v}),
    )
    .await
    .ok();
    assert_unauthenticated(&ask(&app, bearer(&token)).await, "deactivated member");
}

#[tokio::test]
async fn a_deactivated_partner_is_refused_on_the_very_next_request() {
    let app = spawn_app().await;
    let (partner, token) = app.partner("Alpha Partners").await;
    let ok = ask(&app, bearer(&token)).await;
    assert_eq!(ok.status, 200, "{ok:?}");
    assert_eq!(ok.body["data"]["viewer"]["role"], "PARTNER");

    let v = version(&app, &partner).await;
    app.gql(
        "mutation($id: ID!, $v: Int!) { updatePartner(input: {partnerId: $id, expectedVersion: $v, active: false}) { partner { active } } }",
        json!({"id": partner, "v": v}),
    )
    .await
    .ok();
    assert_unauthenticated(&ask(&app, bearer(&token)).await, "deactivated partner");
}

#[tokio::test]
async fn a_revoked_token_is_refused_while_another_token_of_the_same_partner_still_works() {
    let app = spawn_app().await;
    let (partner, first) = app.partner("Alpha Partners").await;
    let issued = app
        .gql(
            "mutation($id: ID!) { issuePartnerToken(input: {partnerId: $id}) { token tokenId } }",
            json!({"id": partner}),
        )
        .await
        .ok();
    let second = issued
        .data("/issuePartnerToken/token")
        .as_str()
        .expect("token")
        .to_owned();
    assert_eq!(
        issued.data("/issuePartnerToken/tokenId"),
        &payload(&second)["jti"]
    );
    assert_eq!(ask(&app, bearer(&first)).await.status, 200);
    assert_eq!(ask(&app, bearer(&second)).await.status, 200);

    let jti = payload(&first)["jti"].as_str().expect("jti").to_owned();
    let res = app
        .gql(
            "mutation($id: String!) { revokeToken(input: {tokenId: $id}) { tokenId newlyRevoked } }",
            json!({"id": jti}),
        )
        .await
        .ok();
    assert_eq!(res.data("/revokeToken/newlyRevoked"), true);
    assert_unauthenticated(&ask(&app, bearer(&first)).await, "revoked partner token");
    let still = ask(&app, bearer(&second)).await;
    assert_eq!(still.status, 200, "{still:?}");
    assert_eq!(still.body["data"]["viewer"]["role"], "PARTNER");
}

#[tokio::test]
async fn a_revoked_staff_token_is_refused_while_a_fresh_one_works() {
    let app = spawn_app().await;
    let (_, token) = app.member("VIEWER").await;
    assert_eq!(ask(&app, bearer(&token)).await.status, 200);
    let jti = payload(&token)["jti"].as_str().expect("jti").to_owned();
    app.gql(
        "mutation($id: String!) { revokeToken(input: {tokenId: $id}) { newlyRevoked } }",
        json!({"id": jti}),
    )
    .await
    .ok();
    assert_unauthenticated(&ask(&app, bearer(&token)).await, "revoked staff token");
    let subject = payload(&token)["sub"].as_str().expect("sub").to_owned();
    let fresh = app.token_for(&subject).await;
    assert_eq!(ask(&app, bearer(&fresh)).await.status, 200);
}

#[tokio::test]
async fn a_member_whose_role_changed_is_refused_with_the_old_token() {
    let app = spawn_app().await;
    let (member, old) = app.member("VIEWER").await;
    assert_eq!(ask(&app, bearer(&old)).await.status, 200);
    let v = version(&app, &member).await;
    app.gql(
        "mutation($id: ID!, $v: Int!) { updateTeamMember(input: {teamMemberId: $id, expectedVersion: $v, role: SUPPORT_AGENT}) { teamMember { role } } }",
        json!({"id": member, "v": v}),
    )
    .await
    .ok();
    assert_unauthenticated(&ask(&app, bearer(&old)).await, "old role");
    let subject = payload(&old)["sub"].as_str().expect("sub").to_owned();
    let fresh = ask(&app, bearer(&app.token_for(&subject).await)).await;
    assert_eq!(fresh.status, 200, "{fresh:?}");
    assert_eq!(fresh.body["data"]["viewer"]["role"], "SUPPORT_AGENT");
}

#[tokio::test]
async fn two_authorization_headers_are_refused_whatever_their_order() {
    let app = spawn_app().await;
    let valid = format!("Bearer {}", app.admin_token);
    for pair in [
        [valid.as_str(), "Bearer garbage"],
        ["Bearer garbage", valid.as_str()],
    ] {
        let res = app
            .client()
            .post(format!("{}/graphql", app.address))
            .header("content-type", "application/json")
            .header(AUTHORIZATION, pair[0])
            .header(AUTHORIZATION, pair[1])
            .json(&json!({"query": VIEWER_QUERY}))
            .send()
            .await
            .expect("request sent");
        let answer = Answer {
            status: res.status().as_u16(),
            www_authenticate: res
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: res.json().await.unwrap_or(Value::Null),
        };
        assert_unauthenticated(&answer, &format!("{pair:?}"));
    }
    let alone = ask(&app, bearer(&app.admin_token)).await;
    assert_eq!(alone.status, 200, "the valid header alone works: {alone:?}");
}
