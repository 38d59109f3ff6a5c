//! API keys for machines: service accounts with a role narrowed by scopes, keys shown once,
//! revoked and expired keys refused on the next request, audit rows naming the service
//! account; partners managing their own keys and never another partner's.

mod partners;

use chrono::{TimeDelta, Utc};
use rapport_tests::{TestApp, complete_sections, measurement, spawn_app};
use serde_json::{Value, json};

const CREATE_ACCOUNT: &str = "mutation($input: CreateServiceAccountInput!) { createServiceAccount(input: $input) { serviceAccount { id name role scopes partnerId active } } }";
const CREATE_KEY: &str = "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id prefix expiresAt lastUsedAt revokedAt serviceAccount { id } } } }";
const REVOKE_KEY: &str =
    "mutation($id: ID!) { revokeApiKey(input: {apiKeyId: $id}) { newlyRevoked apiKey { id } } }";
const ROTATE_KEY: &str = "mutation($id: ID!, $hours: Int!) { rotateApiKey(input: {apiKeyId: $id, graceHours: $hours}) { key apiKey { id expiresAt } previousApiKey { id expiresAt replacedById } } }";
const LIST_KEYS: &str = "{ apiKeys { id prefix createdAt expiresAt lastUsedAt revokedAt replacedById serviceAccount { id name scopes } } }";
const CONTACTS: &str = "{ contacts(first: 5) { edges { node { id } } } }";
const ACCOUNTS: &str = "{ accounts(first: 5) { edges { node { id name } } } }";

/// A service account made as `token` with `role`, `scopes` (and `partner`): its id.
pub(crate) async fn service_account(
    app: &TestApp,
    token: &str,
    role: &str,
    scopes: &[&str],
    partner: Option<&str>,
) -> String {
    let res = app
        .gql_as(
            Some(token),
            CREATE_ACCOUNT,
            json!({"input": {"name": "Machine", "role": role, "scopes": scopes, "partnerId": partner}}),
        )
        .await
        .ok();
    res.data("/createServiceAccount/serviceAccount/id")
        .as_str()
        .expect("service account id")
        .to_owned()
}

/// A key for `account` made as `token`: (key id, whole key).
pub(crate) async fn key_for(
    app: &TestApp,
    token: &str,
    account: &str,
    expires_at: Option<String>,
) -> (String, String) {
    let res = app
        .gql_as(
            Some(token),
            CREATE_KEY,
            json!({"input": {"serviceAccountId": account, "expiresAt": expires_at}}),
        )
        .await
        .ok();
    (
        res.data("/createApiKey/apiKey/id")
            .as_str()
            .expect("key id")
            .to_owned(),
        res.data("/createApiKey/key")
            .as_str()
            .expect("key")
            .to_owned(),
    )
}

/// A staff key with `role` and `scopes`, made by the admin: (key id, whole key, account id).
async fn staff_key(app: &TestApp, role: &str, scopes: &[&str]) -> (String, String, String) {
    let admin = app.admin_token.clone();
    let account = service_account(app, &admin, role, scopes, None).await;
    let (id, key) = key_for(app, &admin, &account, None).await;
    (id, key, account)
}

fn code(res: &rapport_tests::Gql) -> Option<&str> {
    res.error_code()
}

#[tokio::test]
async fn a_measurements_key_records_a_measurement_and_cannot_read_contacts_or_create_accounts() {
    let app = spawn_app().await;
    let fx = app
        .client_with_agreement("Monitored Co", complete_sections())
        .await;
    let (_, key, _) = staff_key(&app, "SUPPORT_AGENT", &["MEASUREMENTS_WRITE"]).await;
    assert!(key.starts_with("rpk_live_"), "{key}");

    let at = rapport_tests::earlier_today(1);
    let recorded = app
        .record_measurements(&key, &fx.agreement, json!([measurement("frt", "30", at)]))
        .await
        .ok();
    assert_eq!(
        recorded.data("/recordMeasurements/recordedCount"),
        1,
        "{}",
        recorded.body
    );

    let contacts = app.gql_as(Some(&key), CONTACTS, json!({})).await;
    assert_eq!(code(&contacts), Some("FORBIDDEN"), "{}", contacts.body);
    let created = app
        .gql_as(
            Some(&key),
            "mutation { createAccount(input: {name: \"Nope\", kind: ORGANIZATION, acquisitionChannel: DIRECT}) { account { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&created), Some("FORBIDDEN"), "{}", created.body);
}

#[tokio::test]
async fn a_read_only_key_reads_and_cannot_change_anything() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    app.account_as(&admin, "Readable Co", json!({})).await;
    let (_, key, _) = staff_key(&app, "ADMIN", &["READ"]).await;

    let read = app.gql_as(Some(&key), ACCOUNTS, json!({})).await.ok();
    assert_eq!(read.data("/accounts/edges/0/node/name"), "Readable Co");
    for mutation in [
        "mutation { createAccount(input: {name: \"Nope\", kind: ORGANIZATION, acquisitionChannel: DIRECT}) { account { id } } }",
        "mutation { createPartner(input: {name: \"Nope\"}) { partner { id } } }",
        "mutation { createServiceAccount(input: {name: \"Nope\", role: ADMIN, scopes: [MANAGE]}) { serviceAccount { id } } }",
    ] {
        let res = app.gql_as(Some(&key), mutation, json!({})).await;
        assert_eq!(code(&res), Some("FORBIDDEN"), "{mutation}: {}", res.body);
    }
    let partners = app
        .gql_as(
            Some(&admin),
            "{ partners(first: 5) { totalCount } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(partners.data("/partners/totalCount"), 0);
}

#[tokio::test]
async fn a_revoked_key_is_refused_on_the_very_next_request() {
    let app = spawn_app().await;
    let (id, key, _) = staff_key(&app, "VIEWER", &["READ"]).await;
    app.gql_as(Some(&key), ACCOUNTS, json!({})).await.ok();

    let revoked = app.gql(REVOKE_KEY, json!({"id": id})).await.ok();
    assert_eq!(revoked.data("/revokeApiKey/newlyRevoked"), true);
    let refused = app.gql_as(Some(&key), ACCOUNTS, json!({})).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(code(&refused), Some("UNAUTHENTICATED"));
    let again = app.gql(REVOKE_KEY, json!({"id": id})).await.ok();
    assert_eq!(again.data("/revokeApiKey/newlyRevoked"), false);
}

#[tokio::test]
async fn an_expired_key_is_refused_and_a_key_cannot_be_made_already_expired() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let (id, key, account) = staff_key(&app, "VIEWER", &["READ"]).await;
    // A rotation with no grace period ends the old key now.
    let rotated = app
        .gql(ROTATE_KEY, json!({"id": id, "hours": 0}))
        .await
        .ok();
    let new_key = rotated
        .data("/rotateApiKey/key")
        .as_str()
        .expect("key")
        .to_owned();
    let refused = app.gql_as(Some(&key), ACCOUNTS, json!({})).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    app.gql_as(Some(&new_key), ACCOUNTS, json!({})).await.ok();

    let past = (Utc::now() - TimeDelta::hours(1)).to_rfc3339();
    let res = app
        .gql_as(
            Some(&admin),
            CREATE_KEY,
            json!({"input": {"serviceAccountId": account, "expiresAt": past}}),
        )
        .await;
    assert_eq!(code(&res), Some("BAD_USER_INPUT"), "{}", res.body);
    assert_eq!(res.error_field(), Some("expiresAt"));
}

#[tokio::test]
async fn a_key_that_is_not_one_or_has_a_wrong_secret_is_refused() {
    let app = spawn_app().await;
    let (_, key, _) = staff_key(&app, "VIEWER", &["READ"]).await;
    let mut wrong = key.clone();
    let last = wrong.pop().expect("digit");
    wrong.push(if last == '0' { '1' } else { '0' });
    let partner_prefix = key.replacen("rpk_live_", "rpp_live_", 1);
    for bad in [wrong.as_str(), "rpk_live_nothing", partner_prefix.as_str()] {
        let res = app.gql_as(Some(bad), ACCOUNTS, json!({})).await;
        assert_eq!(res.status, 401, "{bad}: {}", res.body);
    }
}

#[tokio::test]
async fn the_secret_is_shown_once_and_listings_never_carry_it() {
    let app = spawn_app().await;
    let (_, key, _) = staff_key(&app, "VIEWER", &["READ"]).await;
    let secret = key.rsplit('_').next().expect("secret part").to_owned();
    let listed = app.gql(LIST_KEYS, json!({})).await.ok();
    let text = listed.body.to_string();
    assert!(!text.contains(&secret), "{text}");
    let prefix = listed.data("/apiKeys/0/prefix").as_str().expect("prefix");
    assert!(
        key.starts_with(prefix.trim_end_matches('…')),
        "{prefix} {key}"
    );
    let audit = app
        .gql(
            "{ auditLog(first: 50) { edges { node { after } } } }",
            json!({}),
        )
        .await
        .ok();
    assert!(!audit.body.to_string().contains(&secret));
}

#[tokio::test]
async fn audit_rows_name_the_service_account_as_actor_and_last_use_is_recorded() {
    let app = spawn_app().await;
    let (key_id, key, account) = staff_key(&app, "ADMIN", &["ACCOUNTS_WRITE"]).await;
    let created = app.account_as(&key, "Made By A Machine", json!({})).await;
    assert!(!created.is_empty());
    let entries = app
        .gql(
            "{ auditLog(first: 5, filter: {action: \"createAccount\"}) { edges { node { actor } } } }",
            json!({}),
        )
        .await
        .ok();
    let actor = entries
        .data("/auditLog/edges/0/node/actor")
        .as_str()
        .expect("actor");
    assert!(actor.starts_with("service-account:"), "{actor}");
    let gid = actor.trim_start_matches("service-account:");
    assert_eq!(gid, account);

    // The last use is written in the background, once a minute at most.
    let mut last_used = Value::Null;
    for _ in 0..50 {
        let listed = app.gql(LIST_KEYS, json!({})).await.ok();
        let keys = listed.data("/apiKeys").as_array().expect("keys").clone();
        let mine = keys
            .iter()
            .find(|k| k["id"] == key_id.as_str())
            .expect("listed");
        last_used = mine["lastUsedAt"].clone();
        if !last_used.is_null() {
            break;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(last_used.is_string(), "last use never recorded");
}
