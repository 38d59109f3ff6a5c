//! Bounds on what a credential or an id may say: a token issued in the future or living for
//! years is refused, a partner token acts only under its partner's subject, and every object
//! has exactly one id (`Account:01` names nothing).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rapport_api::global_id::{self, Kind};
use rapport_tests::{TestApp, spawn_app};
use serde_json::{Value, json};

const DAY: i64 = 86_400;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Signs `claims` with the app's own HS256 secret: only the claims can be wrong.
fn sign(app: &TestApp, claims: &Value) -> String {
    let text = std::fs::read_to_string(app.data_dir.path().join("jwt-secret")).expect("secret");
    let key = STANDARD.decode(text.trim()).expect("base64 secret");
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(&key),
    )
    .expect("signed")
}

fn admin_claims(iat: Option<i64>, exp: i64) -> Value {
    let mut claims = json!({
        "sub": "bootstrap-admin",
        "role": "ADMIN",
        "iss": "rapport",
        "aud": "rapport-api",
        "exp": exp,
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    if let Some(iat) = iat {
        claims["iat"] = json!(iat);
    }
    claims
}

async fn status_with(app: &TestApp, token: &str) -> (u16, Value) {
    let res = app
        .gql_as(Some(token), "{ viewer { role } }", json!({}))
        .await;
    (res.status, res.body)
}

#[tokio::test]
async fn a_token_issued_in_the_future_or_living_for_years_is_refused() {
    let app = spawn_app().await;
    let now = now();
    let (ok, body) = status_with(&app, &sign(&app, &admin_claims(Some(now), now + 600))).await;
    assert_eq!(ok, 200, "the control token works: {body}");
    for (case, claims) in [
        (
            "iat an hour ahead",
            admin_claims(Some(now + 3_600), now + 7_200),
        ),
        ("exp in year 9999", admin_claims(Some(now), 253_402_300_799)),
        (
            "exp in year 9999, no iat",
            admin_claims(None, 253_402_300_799),
        ),
        ("400 days, no iat", admin_claims(None, now + 400 * DAY)),
        ("400 days", admin_claims(Some(now), now + 400 * DAY)),
    ] {
        let (status, body) = status_with(&app, &sign(&app, &claims)).await;
        assert_eq!(status, 401, "{case}: {body}");
        assert_eq!(
            body.pointer("/errors/0/extensions/code"),
            Some(&json!("UNAUTHENTICATED")),
            "{case}: {body}"
        );
    }
}

#[tokio::test]
async fn a_partner_token_acts_only_under_its_own_partner_subject() {
    let app = spawn_app().await;
    let (partner, issued) = app.partner("Referrer").await;
    let (other, _) = app.partner("Other").await;
    let (status, body) = status_with(&app, &issued).await;
    assert_eq!(status, 200, "an issued partner token works: {body}");

    let now = now();
    let partner_token = |sub: &str, partner_id: &str| {
        let mut claims = admin_claims(Some(now), now + 600);
        claims["role"] = json!("PARTNER");
        claims["sub"] = json!(sub);
        claims["partner_id"] = json!(partner_id);
        claims
    };
    let raw = global_id::decode(Kind::Partner, &partner).expect("a partner id");
    let padded = URL_SAFE_NO_PAD.encode(format!("Partner:0{raw}"));
    for (case, claims) in [
        (
            "a staff subject",
            partner_token("bootstrap-admin", &partner),
        ),
        (
            "another partner's subject",
            partner_token(&format!("partner:{other}"), &partner),
        ),
        ("the bare partner id", partner_token(&partner, &partner)),
        (
            "a non-canonical partner id",
            partner_token(&format!("partner:{padded}"), &padded),
        ),
    ] {
        let (status, body) = status_with(&app, &sign(&app, &claims)).await;
        assert_eq!(status, 401, "{case}: {body}");
    }
    let own = partner_token(&format!("partner:{partner}"), &partner);
    let (status, body) = status_with(&app, &sign(&app, &own)).await;
    assert_eq!(status, 200, "the partner's own subject works: {body}");
}

#[tokio::test]
async fn an_object_has_one_id_and_account_01_is_not_found() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let account = app.account_as(&admin, "Acme", json!({})).await;
    let raw = global_id::decode(Kind::Account, &account).expect("an account id");
    let query = "query($id: ID!) { account(id: $id) { id } node(id: $id) { id } }";
    let found = app.gql(query, json!({"id": account})).await.ok();
    assert_eq!(found.data("/account/id"), &json!(account));
    assert_eq!(found.data("/node/id"), &json!(account));

    for text in [
        format!("Account:0{raw}"),
        format!("Account:+{raw}"),
        format!("Account: {raw}"),
        format!("Account:{raw}.0"),
    ] {
        for id in [
            URL_SAFE_NO_PAD.encode(&text),
            STANDARD.encode(&text),
            format!("{account}="),
        ] {
            for field in ["account", "node"] {
                let res = app
                    .gql(
                        &format!("query($id: ID!) {{ {field}(id: $id) {{ id }} }}"),
                        json!({"id": id}),
                    )
                    .await;
                assert_eq!(
                    res.error_code(),
                    Some("NOT_FOUND"),
                    "{field}({text}): {}",
                    res.body
                );
                assert_eq!(res.data(&format!("/{field}")), &Value::Null, "{}", res.body);
            }
        }
    }
}
