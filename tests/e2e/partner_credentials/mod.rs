//! Partner self-service for tokens: a partner issues itself tokens within
//! `auth.partner_token_max_days`, lists its tokens and keys in one list (`credentials`),
//! revokes and rotates its own tokens (the old one working for a grace period it chooses
//! within the bound), and never sees or touches another partner's credentials.

mod isolation;

use chrono::{DateTime, TimeDelta, Utc};
use rapport_tests::{TestApp, spawn_app};
use serde_json::{Value, json};

const ISSUE: &str = "mutation($input: IssuePartnerTokenInput!) { issuePartnerToken(input: $input) { token tokenId expiresAt } }";
const REVOKE: &str =
    "mutation($id: String!) { revokeToken(input: {tokenId: $id}) { tokenId newlyRevoked } }";
const ROTATE: &str = "mutation($id: String!, $hours: Int!) { rotateToken(input: {tokenId: $id, graceHours: $hours}) { token tokenId expiresAt previousToken { tokenId expiresAt replacedById } } }";
const CREDENTIALS: &str = "{ credentials { id kind partnerId prefix createdAt expiresAt lastUsedAt revokedAt replacedById serviceAccount { id } } }";
const MY_ACCOUNTS: &str = "{ accounts(first: 10) { edges { node { name } } } }";

/// A token `token` issues itself (no partner named), valid for `days`: (token, token id).
async fn self_issued(app: &TestApp, token: &str, days: i64) -> (String, String) {
    let res = app
        .gql_as(Some(token), ISSUE, json!({"input": {"validForDays": days}}))
        .await
        .ok();
    (
        res.data("/issuePartnerToken/token")
            .as_str()
            .expect("token")
            .to_owned(),
        res.data("/issuePartnerToken/tokenId")
            .as_str()
            .expect("token id")
            .to_owned(),
    )
}

/// The credentials `token` lists.
async fn listed(app: &TestApp, token: &str) -> Vec<Value> {
    app.gql_as(Some(token), CREDENTIALS, json!({}))
        .await
        .ok()
        .data("/credentials")
        .as_array()
        .expect("credentials")
        .clone()
}

fn find<'a>(list: &'a [Value], id: &str) -> &'a Value {
    list.iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{id} is listed in {list:?}"))
}

fn time(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("a time: {value}"))
}

async fn works(app: &TestApp, token: &str) -> bool {
    app.gql_as(Some(token), MY_ACCOUNTS, json!({})).await.status == 200
}

#[tokio::test]
async fn a_partner_issues_itself_a_token_and_lists_its_tokens_and_keys_in_one_list() {
    let app = spawn_app().await;
    let (partner, admin_issued) = app.partner("Self Service").await;
    let (new_token, new_id) = self_issued(&app, &admin_issued, 30).await;
    assert!(works(&app, &new_token).await);

    let account =
        crate::api_keys::service_account(&app, &new_token, "PARTNER", &["READ"], None).await;
    let in_10_days = (Utc::now() + TimeDelta::days(10)).to_rfc3339();
    let (key_id, _) = crate::api_keys::key_for(&app, &new_token, &account, Some(in_10_days)).await;

    let list = listed(&app, &new_token).await;
    assert_eq!(list.len(), 3, "two tokens and a key: {list:?}");
    let token = find(&list, &new_id);
    assert_eq!(token["kind"], "PARTNER_TOKEN");
    assert_eq!(token["partnerId"], partner.as_str());
    assert!(token["prefix"].is_null() && token["serviceAccount"].is_null());
    assert!(token["revokedAt"].is_null());
    let lifetime = time(&token["expiresAt"]) - time(&token["createdAt"]);
    // Token times are whole seconds.
    assert!(
        (lifetime - TimeDelta::days(30)).num_seconds().abs() <= 1,
        "{lifetime}"
    );
    let key = find(&list, &key_id);
    assert_eq!(key["kind"], "API_KEY");
    assert_eq!(key["serviceAccount"]["id"], account.as_str());
    assert!(
        key["prefix"]
            .as_str()
            .is_some_and(|p| p.starts_with("rpp_live_"))
    );
    // Newest first: the key, then the token issued by the partner, then the admin's.
    assert_eq!(list[0]["id"], key_id.as_str());
    assert_eq!(list[1]["id"], new_id.as_str());
    assert_eq!(list[2]["kind"], "PARTNER_TOKEN");

    // The admin sees the same credentials (and everyone else's).
    let all = listed(&app, &app.admin_token).await;
    find(&all, &new_id);
    find(&all, &key_id);

    // The last use of a token is recorded (by the first request, then once a minute at most).
    let seen = listed(&app, &admin_issued).await;
    let last_used = time(&find(&seen, &new_id)["lastUsedAt"]);
    assert!((Utc::now() - last_used).num_seconds() < 60, "{last_used}");
}

#[tokio::test]
async fn a_partners_own_token_lives_no_longer_than_the_partner_token_bound() {
    let app = spawn_app().await;
    let (_, token) = app.partner("Bounded").await;
    let before = app.table_counts().await;
    for days in [0, 366] {
        let res = app
            .gql_as(
                Some(&token),
                ISSUE,
                json!({"input": {"validForDays": days}}),
            )
            .await;
        assert_eq!(res.error_code(), Some("BAD_USER_INPUT"), "{}", res.body);
        assert_eq!(res.error_field(), Some("validForDays"));
        let message = res.body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(message.contains("365"), "{message}");
    }
    assert_eq!(app.table_counts().await, before);
    self_issued(&app, &token, 365).await;
}

#[tokio::test]
async fn a_partner_revokes_its_own_token_and_it_is_refused_on_the_next_request() {
    let app = spawn_app().await;
    let (_, token) = app.partner("Revoking").await;
    let (spare, spare_id) = self_issued(&app, &token, 10).await;
    let res = app
        .gql_as(Some(&token), REVOKE, json!({"id": spare_id}))
        .await
        .ok();
    assert_eq!(res.data("/revokeToken/newlyRevoked"), true);
    assert!(!works(&app, &spare).await);
    let list = listed(&app, &token).await;
    assert!(find(&list, &spare_id)["revokedAt"].is_string());
    // Again: nothing changes.
    let again = app
        .gql_as(Some(&token), REVOKE, json!({"id": spare_id}))
        .await
        .ok();
    assert_eq!(again.data("/revokeToken/newlyRevoked"), false);
}

#[tokio::test]
async fn rotating_a_token_keeps_the_old_one_working_for_the_grace_period_chosen_within_the_bound() {
    let app = spawn_app().await;
    let (_, token) = app.partner("Rotating").await;
    let (old, old_id) = self_issued(&app, &token, 20).await;

    let before = app.table_counts().await;
    for hours in [-1, 169] {
        let res = app
            .gql_as(Some(&token), ROTATE, json!({"id": old_id, "hours": hours}))
            .await;
        assert_eq!(res.error_code(), Some("BAD_USER_INPUT"), "{}", res.body);
        assert_eq!(res.error_field(), Some("graceHours"));
    }
    assert_eq!(app.table_counts().await, before);

    let rotated = app
        .gql_as(Some(&token), ROTATE, json!({"id": old_id, "hours": 24}))
        .await
        .ok();
    let new = rotated
        .data("/rotateToken/token")
        .as_str()
        .expect("token")
        .to_owned();
    let new_id = rotated
        .data("/rotateToken/tokenId")
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(
        rotated.data("/rotateToken/previousToken/replacedById"),
        new_id.as_str()
    );
    let grace_end = time(rotated.data("/rotateToken/previousToken/expiresAt"));
    let wanted = Utc::now() + TimeDelta::hours(24);
    assert!((grace_end - wanted).num_seconds().abs() < 60, "{grace_end}");
    // The new token ends when the old one would have (20 days).
    let new_end = time(rotated.data("/rotateToken/expiresAt"));
    assert!(
        ((new_end - Utc::now()) - TimeDelta::days(20))
            .num_seconds()
            .abs()
            < 60
    );

    // Both work during the grace period; the list shows the old one ending at its end.
    assert!(
        works(&app, &old).await,
        "the old token works in its grace period"
    );
    assert!(works(&app, &new).await);
    let list = listed(&app, &token).await;
    let listed_old = find(&list, &old_id);
    assert_eq!(time(&listed_old["expiresAt"]), grace_end);
    assert_eq!(listed_old["replacedById"], new_id.as_str());
    assert!(listed_old["revokedAt"].is_null());

    // A token is rotated once.
    let twice = app
        .gql_as(Some(&token), ROTATE, json!({"id": old_id, "hours": 1}))
        .await;
    assert_eq!(twice.error_code(), Some("BAD_USER_INPUT"), "{}", twice.body);

    // A grace period of 0 ends the old token at once.
    let now_ended = app
        .gql_as(Some(&token), ROTATE, json!({"id": new_id, "hours": 0}))
        .await
        .ok();
    let newest = now_ended
        .data("/rotateToken/token")
        .as_str()
        .expect("token")
        .to_owned();
    assert!(!works(&app, &new).await, "no grace: refused at once");
    assert!(works(&app, &newest).await);

    // Revoking a token in its grace period ends it at once.
    let res = app
        .gql_as(Some(&token), REVOKE, json!({"id": old_id}))
        .await
        .ok();
    assert_eq!(res.data("/revokeToken/newlyRevoked"), true);
    assert!(!works(&app, &old).await, "revoked in its grace period");
}

#[tokio::test]
async fn a_partner_key_holding_manage_manages_tokens_and_one_without_it_cannot() {
    let app = spawn_app().await;
    let (_, token) = app.partner("Keyed").await;
    let in_10_days = (Utc::now() + TimeDelta::days(10)).to_rfc3339();
    let manager =
        crate::api_keys::service_account(&app, &token, "PARTNER", &["MANAGE"], None).await;
    let (_, manage_key) =
        crate::api_keys::key_for(&app, &token, &manager, Some(in_10_days.clone())).await;
    let reader = crate::api_keys::service_account(&app, &token, "PARTNER", &["READ"], None).await;
    let (_, read_key) = crate::api_keys::key_for(&app, &token, &reader, Some(in_10_days)).await;

    let (_, issued_id) = self_issued(&app, &manage_key, 5).await;
    find(&listed(&app, &manage_key).await, &issued_id);

    let before = app.table_counts().await;
    let res = app
        .gql_as(
            Some(&read_key),
            ISSUE,
            json!({"input": {"validForDays": 5}}),
        )
        .await;
    assert_eq!(res.error_code(), Some("FORBIDDEN"), "{}", res.body);
    let res = app.gql_as(Some(&read_key), CREDENTIALS, json!({})).await;
    assert_eq!(res.error_code(), Some("FORBIDDEN"), "{}", res.body);
    let res = app
        .gql_as(Some(&read_key), REVOKE, json!({"id": issued_id}))
        .await;
    assert_eq!(res.error_code(), Some("FORBIDDEN"), "{}", res.body);
    assert_eq!(app.table_counts().await, before);
}
