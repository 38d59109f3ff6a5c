//! Partner self-service: a partner lists, creates, rotates and revokes its own keys, within
//! the partner-token lifetime and the rotation bound, and never sees or touches another's.

use chrono::{TimeDelta, Utc};
use rapport_tests::spawn_app;
use serde_json::json;

use super::{LIST_KEYS, REVOKE_KEY, ROTATE_KEY, key_for, service_account};

const MY_ACCOUNTS: &str = "{ accounts(first: 10) { edges { node { name } } } }";

#[tokio::test]
async fn a_partner_manages_its_own_keys_and_another_partners_do_not_exist_for_it() {
    let app = spawn_app().await;
    let (mine, my_token) = app.partner("Mine").await;
    let (theirs, their_token) = app.partner("Theirs").await;
    app.account_as(&my_token, "My Referral", json!({})).await;
    app.account_as(&their_token, "Their Referral", json!({}))
        .await;
    let in_30_days = Some((Utc::now() + TimeDelta::days(30)).to_rfc3339());

    // Each partner makes its own service account (always PARTNER, always itself) and key.
    let my_account = service_account(&app, &my_token, "PARTNER", &["READ"], None).await;
    let (my_key_id, my_key) = key_for(&app, &my_token, &my_account, in_30_days.clone()).await;
    assert!(my_key.starts_with("rpp_live_"), "{my_key}");
    let their_account = service_account(&app, &their_token, "PARTNER", &["READ"], None).await;
    let (their_key_id, their_key) =
        key_for(&app, &their_token, &their_account, in_30_days.clone()).await;

    // The key reads as the partner: its own referrals only.
    let read = app.gql_as(Some(&my_key), MY_ACCOUNTS, json!({})).await.ok();
    assert_eq!(
        read.data("/accounts/edges").as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(read.data("/accounts/edges/0/node/name"), "My Referral");

    // Listing: only its own.
    let listed = app.gql_as(Some(&my_token), LIST_KEYS, json!({})).await.ok();
    let ids: Vec<&str> = listed
        .data("/apiKeys")
        .as_array()
        .expect("keys")
        .iter()
        .filter_map(|k| k["id"].as_str())
        .collect();
    assert_eq!(ids, [my_key_id.as_str()]);

    // Guessed ids of another partner's key or account answer NOT_FOUND and change nothing.
    let revoke = app
        .gql_as(Some(&my_token), REVOKE_KEY, json!({"id": their_key_id}))
        .await;
    assert_eq!(revoke.error_code(), Some("NOT_FOUND"), "{}", revoke.body);
    let rotate = app
        .gql_as(
            Some(&my_token),
            ROTATE_KEY,
            json!({"id": their_key_id, "hours": 1}),
        )
        .await;
    assert_eq!(rotate.error_code(), Some("NOT_FOUND"), "{}", rotate.body);
    let create = app
        .gql_as(
            Some(&my_token),
            super::CREATE_KEY,
            json!({"input": {"serviceAccountId": their_account, "expiresAt": in_30_days}}),
        )
        .await;
    assert_eq!(create.error_code(), Some("NOT_FOUND"), "{}", create.body);
    let other = app
        .gql_as(
            Some(&my_token),
            "mutation($p: ID!) { createServiceAccount(input: {name: \"x\", role: PARTNER, partnerId: $p, scopes: [READ]}) { serviceAccount { id } } }",
            json!({"p": theirs}),
        )
        .await;
    assert_eq!(other.error_code(), Some("NOT_FOUND"), "{}", other.body);
    app.gql_as(Some(&their_key), MY_ACCOUNTS, json!({}))
        .await
        .ok();

    // Its own key it revokes.
    let revoked = app
        .gql_as(Some(&my_token), REVOKE_KEY, json!({"id": my_key_id}))
        .await
        .ok();
    assert_eq!(revoked.data("/revokeApiKey/newlyRevoked"), true);
    assert_eq!(
        app.gql_as(Some(&my_key), MY_ACCOUNTS, json!({}))
            .await
            .status,
        401
    );
    assert!(!mine.is_empty());
}

#[tokio::test]
async fn a_partners_key_lives_no_longer_than_a_partner_token_and_never_forever() {
    let app = spawn_app().await;
    let (_, token) = app.partner("Bounded").await;
    let account = service_account(&app, &token, "PARTNER", &["READ"], None).await;
    for expires_at in [Some((Utc::now() + TimeDelta::days(366)).to_rfc3339()), None] {
        let res = app
            .gql_as(
                Some(&token),
                super::CREATE_KEY,
                json!({"input": {"serviceAccountId": account, "expiresAt": expires_at}}),
            )
            .await;
        assert_eq!(res.error_code(), Some("BAD_USER_INPUT"), "{}", res.body);
        assert_eq!(res.error_field(), Some("expiresAt"));
    }
    let listed = app.gql_as(Some(&token), LIST_KEYS, json!({})).await.ok();
    assert_eq!(listed.data("/apiKeys").as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn rotation_keeps_the_old_key_working_for_the_grace_period_within_its_bound() {
    let app = spawn_app().await;
    let (_, token) = app.partner("Rotating").await;
    let account = service_account(&app, &token, "PARTNER", &["READ"], None).await;
    let expiry = Some((Utc::now() + TimeDelta::days(30)).to_rfc3339());
    let (old_id, old_key) = key_for(&app, &token, &account, expiry).await;

    let too_long = app
        .gql_as(
            Some(&token),
            ROTATE_KEY,
            json!({"id": old_id, "hours": 169}),
        )
        .await;
    assert_eq!(
        too_long.error_code(),
        Some("BAD_USER_INPUT"),
        "{}",
        too_long.body
    );
    assert_eq!(too_long.error_field(), Some("graceHours"));

    let rotated = app
        .gql_as(Some(&token), ROTATE_KEY, json!({"id": old_id, "hours": 24}))
        .await
        .ok();
    let new_key = rotated
        .data("/rotateApiKey/key")
        .as_str()
        .expect("key")
        .to_owned();
    assert_ne!(new_key, old_key);
    assert_eq!(
        rotated.data("/rotateApiKey/previousApiKey/replacedById"),
        rotated.data("/rotateApiKey/apiKey/id")
    );
    let grace_end = rotated
        .data("/rotateApiKey/previousApiKey/expiresAt")
        .as_str()
        .expect("grace end")
        .parse::<chrono::DateTime<Utc>>()
        .expect("a time");
    let want = Utc::now() + TimeDelta::hours(24);
    assert!((grace_end - want).num_minutes().abs() <= 1, "{grace_end}");
    // Both work during the grace period.
    for key in [&old_key, &new_key] {
        app.gql_as(Some(key), super::ACCOUNTS, json!({})).await.ok();
    }
    // A rotated key is not rotated twice.
    let twice = app
        .gql_as(Some(&token), ROTATE_KEY, json!({"id": old_id, "hours": 1}))
        .await;
    assert_eq!(twice.error_code(), Some("BAD_USER_INPUT"), "{}", twice.body);
}
