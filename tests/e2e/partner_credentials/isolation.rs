//! Another partner's credentials do not exist for a partner: guessed token ids and key ids
//! answer `NOT_FOUND` and change nothing; admins still reach everything.

use chrono::{TimeDelta, Utc};
use rapport_tests::spawn_app;
use serde_json::json;

use super::{CREDENTIALS, ISSUE, REVOKE, ROTATE, listed, self_issued, works};

#[tokio::test]
async fn a_partner_never_sees_revokes_or_rotates_another_partners_tokens_or_keys() {
    let app = spawn_app().await;
    let (_, mine) = app.partner("Mine").await;
    let (theirs_id, theirs) = app.partner("Theirs").await;
    let (their_token, their_token_id) = self_issued(&app, &theirs, 30).await;
    let account = crate::api_keys::service_account(&app, &theirs, "PARTNER", &["READ"], None).await;
    let in_10_days = (Utc::now() + TimeDelta::days(10)).to_rfc3339();
    let (their_key_id, their_key) =
        crate::api_keys::key_for(&app, &theirs, &account, Some(in_10_days)).await;

    // Not listed.
    let list = listed(&app, &mine).await;
    assert!(
        list.iter()
            .all(|c| c["id"] != their_token_id.as_str() && c["id"] != their_key_id.as_str()),
        "{list:?}"
    );
    assert_eq!(list.len(), 1, "only its own token: {list:?}");

    let before = app.table_counts().await;
    let guesses = [
        (REVOKE, json!({"id": their_token_id})),
        (ROTATE, json!({"id": their_token_id, "hours": 1})),
        // A well-formed id nobody issued, and one issued before the register (no row).
        (REVOKE, json!({"id": uuid::Uuid::new_v4().to_string()})),
        (
            ROTATE,
            json!({"id": uuid::Uuid::new_v4().to_string(), "hours": 1}),
        ),
        (
            ISSUE,
            json!({"input": {"partnerId": theirs_id, "validForDays": 5}}),
        ),
        (
            "mutation($id: ID!) { revokeApiKey(input: {apiKeyId: $id}) { newlyRevoked } }",
            json!({"id": their_key_id}),
        ),
        (
            "mutation($id: ID!) { rotateApiKey(input: {apiKeyId: $id, graceHours: 1}) { key } }",
            json!({"id": their_key_id}),
        ),
    ];
    for (doc, vars) in &guesses {
        let res = app.gql_as(Some(&mine), doc, vars.clone()).await;
        assert_eq!(res.error_code(), Some("NOT_FOUND"), "{doc}: {}", res.body);
    }
    assert_eq!(app.table_counts().await, before, "nothing changed");
    assert!(works(&app, &their_token).await);
    assert!(works(&app, &their_key).await);
    assert!(listed(&app, &theirs).await.len() >= 3);

    // The admin reaches everything: lists, rotates and revokes the partner's token.
    let all = app.gql(CREDENTIALS, json!({})).await.ok();
    assert!(
        all.data("/credentials")
            .as_array()
            .expect("list")
            .iter()
            .any(|c| c["id"] == their_token_id.as_str())
    );
    let rotated = app
        .gql(ROTATE, json!({"id": their_token_id, "hours": 0}))
        .await
        .ok();
    let replacement = rotated
        .data("/rotateToken/tokenId")
        .as_str()
        .expect("id")
        .to_owned();
    assert!(!works(&app, &their_token).await);
    let revoked = app.gql(REVOKE, json!({"id": replacement})).await.ok();
    assert_eq!(revoked.data("/revokeToken/newlyRevoked"), true);
}
