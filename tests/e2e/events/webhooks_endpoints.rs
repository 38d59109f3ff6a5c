//! Managing outbound webhook endpoints through GraphQL: the secret is shown once and never
//! audited, input is checked naming the field, rotation keeps the old secret signing for the
//! overlap only, and partners manage only their own endpoints.

use chrono::{Duration, Utc};
use rapport_api::config::WebhookSettings;
use rapport_api::events::webhooks::send::{Outbound, Sender};
use rapport_api::events::webhooks::sign::SigningKey;
use rapport_api::global_id::{Kind, decode};
use rapport_tests::webhook_receiver::{Behaviour, Receiver};
use rapport_tests::{Gql, TestApp, spawn_app_with};
use serde_json::{Value, json};

const CREATE: &str = "mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret webhookEndpoint { id url eventTypes accountId enabled version description } } }";
const UPDATE: &str = "mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { webhookEndpoint { id url enabled version disabledAt failingSince eventTypes accountId } } }";
const ROTATE: &str = "mutation($input: RotateWebhookEndpointSecretInput!) { rotateWebhookEndpointSecret(input: $input) { secret previousSecretExpiresAt webhookEndpoint { id version previousSecretExpiresAt } } }";
const DELETE: &str = "mutation($input: DeleteWebhookEndpointInput!) { deleteWebhookEndpoint(input: $input) { deletedEndpointId } }";
const LIST: &str = "{ webhookEndpoints(first: 50) { totalCount nodes { id url deliveries(first: 5) { totalCount nodes { id } } } } }";

async fn app() -> TestApp {
    spawn_app_with(|s| {
        s.events.relay_in_server = false;
        s.events.webhooks.allow_http_hosts = vec!["127.0.0.1".into()];
        s.events.webhooks.allow_private_hosts = vec!["127.0.0.1".into()];
    })
    .await
}

async fn create(app: &TestApp, token: &str, input: Value) -> Gql {
    app.gql_as(Some(token), CREATE, json!({"input": input}))
        .await
}

fn ids(list: &Gql) -> Vec<String> {
    list.data("/webhookEndpoints/nodes")
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn the_secret_is_shown_once_and_never_written_to_the_audit_log() {
    let app = app().await;
    let token = app.admin_token.clone();
    let res = create(
        &app,
        &token,
        json!({"url": "https://hooks.example.com/rapport", "eventTypes": ["account.created", "account.created", "agreement.metric_breached"], "description": "CRM"}),
    )
    .await
    .ok();
    let secret = res
        .data("/createWebhookEndpoint/secret")
        .as_str()
        .expect("secret");
    assert!(secret.starts_with("whsec_"));
    assert!(SigningKey::parse(secret).is_ok());
    let endpoint = res.data("/createWebhookEndpoint/webhookEndpoint");
    assert_eq!(
        endpoint["eventTypes"],
        json!(["account.created", "agreement.metric_breached"])
    );
    assert_eq!(endpoint["enabled"], json!(true));

    // No field reads a secret back: the schema has none on the endpoint.
    let bad = app
        .gql("{ webhookEndpoints { nodes { secret } } }", json!({}))
        .await;
    assert!(bad.body["errors"].is_array());
    let list = app.gql(LIST, json!({})).await.ok();
    assert!(!list.body.to_string().contains("whsec_"));

    let rotated = app
        .gql(
            ROTATE,
            json!({"input": {"endpointId": endpoint["id"], "overlapHours": 2}}),
        )
        .await
        .ok();
    let second = rotated
        .data("/rotateWebhookEndpointSecret/secret")
        .as_str()
        .expect("secret");
    assert_ne!(second, secret);
    let audit = app
        .gql(
            "{ auditLog(first: 20) { totalCount nodes { action before after } } }",
            json!({}),
        )
        .await
        .ok();
    let text = audit.body.to_string();
    assert!(text.contains("createWebhookEndpoint"), "{text}");
    assert!(text.contains("rotateWebhookEndpointSecret"), "{text}");
    assert!(
        !text.contains("whsec_"),
        "a secret reached the audit log: {text}"
    );
    assert!(
        !text.contains(&secret[6..]),
        "a secret reached the audit log"
    );
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field_and_changes_nothing() {
    let app = app().await;
    let token = app.admin_token.clone();
    for (input, field) in [
        (json!({"url": "not a url"}), "url"),
        (json!({"url": "http://hooks.example.com/"}), "url"),
        (json!({"url": "https://user:pw@hooks.example.com/"}), "url"),
        (json!({"url": "ftp://hooks.example.com/"}), "url"),
        (
            json!({"url": "https://hooks.example.com/", "eventTypes": ["contact.changed"]}),
            "eventTypes",
        ),
        (
            json!({"url": "https://hooks.example.com/", "accountId": "bm9wZQ"}),
            "accountId",
        ),
        (
            json!({"url": "https://hooks.example.com/", "description": "x".repeat(501)}),
            "description",
        ),
    ] {
        let res = create(&app, &token, input.clone()).await;
        assert_eq!(
            res.error_code(),
            Some("BAD_USER_INPUT"),
            "{input}: {}",
            res.body
        );
        assert_eq!(res.error_field(), Some(field), "{input}: {}", res.body);
    }
    // http is fine for a host in allow_http_hosts.
    create(&app, &token, json!({"url": "http://127.0.0.1:9/hook"}))
        .await
        .ok();
    let list = app.gql(LIST, json!({})).await.ok();
    assert_eq!(list.data("/webhookEndpoints/totalCount"), &json!(1));

    let (_, partner) = app.partner("Referrals Ltd").await;
    let res = create(
        &app,
        &partner,
        json!({"url": "https://p.example.com/", "eventTypes": ["agreement.credit_incurred"]}),
    )
    .await;
    assert_eq!(res.error_field(), Some("eventTypes"), "{}", res.body);
    let rotate = app
        .gql(
            ROTATE,
            json!({"input": {"endpointId": ids(&list)[0], "overlapHours": 169}}),
        )
        .await;
    assert_eq!(
        rotate.error_field(),
        Some("overlapHours"),
        "{}",
        rotate.body
    );
}

#[tokio::test]
async fn partners_manage_only_their_own_endpoints_and_other_staff_none() {
    let app = app().await;
    let (_, alpha) = app.partner("Alpha").await;
    let (_, beta) = app.partner("Beta").await;
    let beta_account = app.account_as(&beta, "Beta's client", json!({})).await;
    let alpha_account = app.account_as(&alpha, "Alpha's client", json!({})).await;

    let staff = create(
        &app,
        &app.admin_token.clone(),
        json!({"url": "https://staff.example.com/"}),
    )
    .await
    .ok();
    let staff_id = staff
        .data("/createWebhookEndpoint/webhookEndpoint/id")
        .clone();
    let own = create(
        &app,
        &alpha,
        json!({"url": "https://alpha.example.com/", "accountId": alpha_account, "eventTypes": ["account.updated"]}),
    )
    .await
    .ok();
    let alpha_id = own
        .data("/createWebhookEndpoint/webhookEndpoint/id")
        .clone();
    assert_eq!(
        own.data("/createWebhookEndpoint/webhookEndpoint/accountId"),
        &json!(alpha_account)
    );

    // Another partner's account is NOT_FOUND as a filter.
    let res = create(
        &app,
        &alpha,
        json!({"url": "https://alpha.example.com/", "accountId": beta_account}),
    )
    .await;
    assert_eq!(res.error_code(), Some("NOT_FOUND"), "{}", res.body);

    // Each sees only its own.
    let alpha_list = app.gql_as(Some(&alpha), LIST, json!({})).await.ok();
    assert_eq!(
        ids(&alpha_list),
        vec![alpha_id.as_str().expect("id").to_owned()]
    );
    let beta_list = app.gql_as(Some(&beta), LIST, json!({})).await.ok();
    assert!(ids(&beta_list).is_empty());
    assert_eq!(beta_list.data("/webhookEndpoints/totalCount"), &json!(0));
    let admin_list = app.gql(LIST, json!({})).await.ok();
    assert_eq!(
        ids(&admin_list),
        vec![staff_id.as_str().expect("id").to_owned()]
    );

    // Beta cannot touch Alpha's endpoint nor the staff's: they do not exist for it.
    for target in [&alpha_id, &staff_id] {
        for (query, input) in [
            (
                UPDATE,
                json!({"endpointId": target, "expectedVersion": 1, "enabled": false}),
            ),
            (ROTATE, json!({"endpointId": target, "overlapHours": 1})),
            (DELETE, json!({"endpointId": target})),
        ] {
            let res = app
                .gql_as(Some(&beta), query, json!({"input": input}))
                .await;
            assert_eq!(
                res.error_code(),
                Some("NOT_FOUND"),
                "{query} {target}: {}",
                res.body
            );
        }
    }
    // Alpha's own changes work; the endpoint is still there for the admin? No: staff see the
    // staff's endpoints only.
    let res = app
        .gql(
            UPDATE,
            json!({"input": {"endpointId": alpha_id, "expectedVersion": 1, "enabled": false}}),
        )
        .await;
    assert_eq!(res.error_code(), Some("NOT_FOUND"), "{}", res.body);

    // Other staff roles may not manage endpoints at all.
    for role in ["ACCOUNT_MANAGER", "SUPPORT_AGENT", "VIEWER"] {
        let (_, token) = app.member(role).await;
        let res = app.gql_as(Some(&token), LIST, json!({})).await;
        assert_eq!(res.error_code(), Some("FORBIDDEN"), "{role}: {}", res.body);
        let res = create(&app, &token, json!({"url": "https://x.example.com/"})).await;
        assert_eq!(res.error_code(), Some("FORBIDDEN"), "{role}: {}", res.body);
    }

    let deleted = app
        .gql_as(
            Some(&alpha),
            DELETE,
            json!({"input": {"endpointId": alpha_id}}),
        )
        .await
        .ok();
    assert_eq!(
        deleted.data("/deleteWebhookEndpoint/deletedEndpointId"),
        &alpha_id
    );
    let alpha_list = app.gql_as(Some(&alpha), LIST, json!({})).await.ok();
    assert!(ids(&alpha_list).is_empty());
}

#[tokio::test]
async fn disabling_enabling_and_stale_versions() {
    let app = app().await;
    let created = create(
        &app,
        &app.admin_token.clone(),
        json!({"url": "https://a.example.com/"}),
    )
    .await
    .ok();
    let id = created
        .data("/createWebhookEndpoint/webhookEndpoint/id")
        .clone();
    let off = app
        .gql(UPDATE, json!({"input": {"endpointId": id, "expectedVersion": 1, "enabled": false, "eventTypes": ["account.created"]}}))
        .await
        .ok();
    assert_eq!(
        off.data("/updateWebhookEndpoint/webhookEndpoint/enabled"),
        &json!(false)
    );
    assert!(
        off.data("/updateWebhookEndpoint/webhookEndpoint/disabledAt")
            .is_string()
    );
    let stale = app
        .gql(
            UPDATE,
            json!({"input": {"endpointId": id, "expectedVersion": 1, "enabled": true}}),
        )
        .await;
    assert_eq!(stale.error_code(), Some("CONFLICT"), "{}", stale.body);
    let on = app
        .gql(
            UPDATE,
            json!({"input": {"endpointId": id, "expectedVersion": 2, "enabled": true}}),
        )
        .await
        .ok();
    let e = on.data("/updateWebhookEndpoint/webhookEndpoint");
    assert_eq!(e["enabled"], json!(true));
    assert_eq!(e["disabledAt"], Value::Null);
    assert_eq!(e["failingSince"], Value::Null);
    assert_eq!(e["eventTypes"], json!(["account.created"]));
    assert_eq!(e["version"], json!(3));
    let unknown = app
        .gql(
            "mutation($id: ID!) { redeliverWebhook(input: {deliveryId: $id}) { delivery { id } } }",
            json!({"id": rapport_api::global_id::encode(Kind::WebhookDelivery, 999_999)}),
        )
        .await;
    assert_eq!(unknown.error_code(), Some("NOT_FOUND"), "{}", unknown.body);
}

#[tokio::test]
async fn rotation_signs_with_both_secrets_during_the_overlap_then_with_the_new_one() {
    let app = app().await;
    let receiver = Receiver::start(Behaviour::Status(200)).await;
    let created = create(
        &app,
        &app.admin_token.clone(),
        json!({"url": receiver.url("/hook")}),
    )
    .await
    .ok();
    let old = created
        .data("/createWebhookEndpoint/secret")
        .as_str()
        .expect("secret")
        .to_owned();
    let id = created
        .data("/createWebhookEndpoint/webhookEndpoint/id")
        .as_str()
        .expect("id")
        .to_owned();
    let raw = decode(Kind::WebhookEndpoint, &id).expect("endpoint id");
    let rotated = app
        .gql(
            ROTATE,
            json!({"input": {"endpointId": id, "overlapHours": 1}}),
        )
        .await
        .ok();
    let new = rotated
        .data("/rotateWebhookEndpointSecret/secret")
        .as_str()
        .expect("secret")
        .to_owned();

    let sender = Sender::from_settings(&WebhookSettings {
        allow_http_hosts: vec!["127.0.0.1".into()],
        allow_private_hosts: vec!["127.0.0.1".into()],
        ..WebhookSettings::default()
    })
    .expect("sender");
    let now = Utc::now();
    for (at, expected) in [
        (now, vec![&new, &old]),
        (now + Duration::minutes(61), vec![&new]),
    ] {
        let secrets = app
            .store
            .webhook_signing_secrets(raw, at)
            .await
            .expect("secrets");
        assert_eq!(secrets.iter().collect::<Vec<_>>(), expected);
        let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let out = sender
            .send(Outbound {
                url: &receiver.url("/hook"),
                secrets: &refs,
                event_id: "evt_rot",
                timestamp: at,
                body: "{}",
            })
            .await;
        assert!(out.succeeded(), "{out:?}");
    }
    let got = receiver.received();
    assert_eq!(got.len(), 2);
    let verifies = |secret: &str, req: &rapport_tests::webhook_receiver::Received| {
        let ts: i64 = req
            .header("webhook-timestamp")
            .and_then(|t| t.parse().ok())
            .expect("ts");
        let sig = SigningKey::parse(secret)
            .expect("secret")
            .sign("evt_rot", ts, &req.body);
        req.header("webhook-signature")
            .expect("signature")
            .split(' ')
            .any(|s| s == sig)
    };
    let during = &got[0];
    assert_eq!(
        during
            .header("webhook-signature")
            .expect("sig")
            .split(' ')
            .count(),
        2
    );
    assert!(verifies(&old, during) && verifies(&new, during));
    let after = &got[1];
    assert_eq!(
        after
            .header("webhook-signature")
            .expect("sig")
            .split(' ')
            .count(),
        1
    );
    assert!(verifies(&new, after) && !verifies(&old, after));
}
