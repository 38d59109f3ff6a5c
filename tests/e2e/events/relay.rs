//! The relay: commit order and `seq`, actor names, fan-out filters, two relays at once,
//! pruning.

use std::collections::HashSet;

use chrono::Utc;
use rapport_api::global_id::Kind;
use rapport_tests::receiver::Receiver;
use rapport_tests::{spawn_app, spawn_app_with};
use serde_json::{Value, json};

use super::{EndpointSpec, admin_id, endpoint, raw, rename};

#[tokio::test]
async fn the_relay_publishes_in_commit_order_with_gap_free_seq_and_actor_names() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let (partner, partner_token) = app.partner("Northwind Referrals").await;
    let first = app.account_as(&admin, "First", json!({})).await;
    rename(&app, &first, 1, "First renamed").await;
    let referred = app
        .account_as(
            &partner_token,
            "Referred",
            json!({"partnerId": partner, "acquisitionChannel": "PARTNER"}),
        )
        .await;
    assert_eq!(app.store.last_published_seq().await.expect("seq"), 0);

    let published = app.relay_step(Utc::now()).await;
    assert!(published >= 4, "published {published}");
    assert_eq!(app.relay_step(Utc::now()).await, 0, "nothing twice");

    let events = app.store.published_after(0, 1000).await.expect("events");
    assert_eq!(events.len(), published);
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    let expected: Vec<i64> = (1..=i64::try_from(published).expect("small")).collect();
    assert_eq!(seqs, expected, "seq is 1, 2, 3… in publication order");
    let ids: HashSet<&str> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), events.len(), "event ids are unique");
    assert!(events.iter().all(|e| e.id.starts_with("evt_")));

    // Commit order: the account's creation before its rename before the partner's account.
    let position = |ty: &str, account: &str| {
        events
            .iter()
            .position(|e| {
                e.event_type == ty
                    && e.aggregate_kind == Kind::Account
                    && e.aggregate_id == raw(Kind::Account, account)
            })
            .unwrap_or_else(|| panic!("{ty} of {account} published"))
    };
    assert!(position("account.created", &first) < position("account.updated", &first));
    assert!(position("account.updated", &first) < position("account.created", &referred));

    let created = &events[position("account.created", &first)];
    assert_eq!(created.actor.name, "Bootstrap Admin");
    assert_eq!(created.account_id, Some(raw(Kind::Account, &first)));
    let by_partner = &events[position("account.created", &referred)];
    assert_eq!(by_partner.actor.name, "Northwind Referrals");
    assert_eq!(
        app.store.last_published_seq().await.expect("seq"),
        *seqs.last().expect("one")
    );
}

/// The deliveries of one endpoint as (event type, account raw id) pairs.
async fn delivered(app: &rapport_tests::TestApp, endpoint: i64) -> Vec<(String, Value)> {
    app.store
        .webhook_deliveries_of(endpoint)
        .await
        .expect("deliveries")
        .into_iter()
        .map(|d| {
            let body: Value = serde_json::from_str(&d.body).expect("json body");
            (d.event_type, body)
        })
        .collect()
}

#[tokio::test]
async fn fan_out_follows_types_account_filters_and_partner_scope() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let admin = app.admin_token.clone();
    let admin_id = admin_id(&app).await;
    let (north, north_token) = app.partner("North").await;
    let (south, _) = app.partner("South").await;
    let direct = app.account_as(&admin, "Direct", json!({})).await;
    // Publish what exists so far: endpoints below see only what follows.
    app.relay_step(Utc::now()).await;

    let staff = |event_types: Vec<&'static str>, account_id: Option<i64>| EndpointSpec {
        owner_member_id: Some(admin_id),
        event_types,
        account_id,
        ..EndpointSpec::default()
    };
    let all = endpoint(&app, receiver.url(), staff(vec![], None)).await;
    let created_only = endpoint(&app, receiver.url(), staff(vec!["account.created"], None)).await;
    let direct_only = endpoint(
        &app,
        receiver.url(),
        staff(vec![], Some(raw(Kind::Account, &direct))),
    )
    .await;
    let partner_spec = |partner: &str| EndpointSpec {
        partner_id: Some(raw(Kind::Partner, partner)),
        ..EndpointSpec::default()
    };
    let north_hook = endpoint(&app, receiver.url(), partner_spec(&north)).await;
    let south_hook = endpoint(&app, receiver.url(), partner_spec(&south)).await;

    rename(&app, &direct, 1, "Direct renamed").await;
    let referred = app
        .account_as(
            &north_token,
            "Referred by North",
            json!({"partnerId": north, "acquisitionChannel": "PARTNER"}),
        )
        .await;
    let published = app.relay_step(Utc::now()).await;
    assert!(published >= 2);

    let all_types: Vec<String> = delivered(&app, all)
        .await
        .into_iter()
        .map(|d| d.0)
        .collect();
    assert_eq!(
        all_types.len(),
        published,
        "the unfiltered endpoint gets everything"
    );
    assert!(all_types.contains(&"account.updated".to_owned()));

    let created: Vec<String> = delivered(&app, created_only)
        .await
        .into_iter()
        .map(|d| d.0)
        .collect();
    assert!(!created.is_empty());
    assert!(
        created.iter().all(|t| t == "account.created"),
        "{created:?}"
    );

    let direct_bodies = delivered(&app, direct_only).await;
    assert_eq!(direct_bodies.len(), 1, "only the rename of Direct");
    assert_eq!(direct_bodies[0].1["accountId"], json!(direct));

    let north_bodies = delivered(&app, north_hook).await;
    assert!(!north_bodies.is_empty(), "North gets its referral's events");
    for (_, body) in &north_bodies {
        assert_eq!(
            body["accountId"],
            json!(referred),
            "North sees only its account"
        );
        // A partner's payload never names staff.
        if body["actor"]["kind"] == "STAFF" {
            assert_eq!(
                body["actor"],
                json!({"kind": "STAFF", "id": null, "name": "Rapport team"})
            );
        }
    }
    assert!(
        delivered(&app, south_hook).await.is_empty(),
        "South never receives North's account's events"
    );

    // Publishing again creates nothing twice.
    let before = app
        .store
        .count_rows("webhook_deliveries")
        .await
        .expect("count");
    assert_eq!(app.relay_step(Utc::now()).await, 0);
    assert_eq!(
        app.store
            .count_rows("webhook_deliveries")
            .await
            .expect("count"),
        before
    );
}

#[tokio::test]
async fn two_relays_at_once_never_publish_an_event_twice() {
    let app = spawn_app_with(|s| s.events.batch_size = 7).await;
    let receiver = Receiver::start().await;
    let admin_id = admin_id(&app).await;
    let hook = endpoint(
        &app,
        receiver.url(),
        EndpointSpec {
            owner_member_id: Some(admin_id),
            ..EndpointSpec::default()
        },
    )
    .await;
    let admin = app.admin_token.clone();
    for i in 0..60 {
        app.account_as(&admin, &format!("Concurrent {i:02}"), json!({}))
            .await;
    }
    let run = |events: rapport_api::events::EventsHandle| async move {
        let mut published = 0;
        loop {
            let report = events
                .relay()
                .run_once(Utc::now())
                .await
                .expect("relay run");
            if report.is_idle() {
                return published;
            }
            published += report.published;
        }
    };
    let (a, b) = tokio::join!(
        tokio::spawn(run(app.events.clone())),
        tokio::spawn(run(app.events.clone()))
    );
    let (a, b) = (a.expect("relay a"), b.expect("relay b"));
    let events = app.store.published_after(0, 10_000).await.expect("events");
    assert!(events.len() >= 60);
    assert_eq!(
        a + b,
        events.len(),
        "every event published exactly once ({a} + {b})"
    );
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    let expected: Vec<i64> = (1..=i64::try_from(events.len()).expect("small")).collect();
    assert_eq!(seqs, expected);
    assert_eq!(
        app.store
            .webhook_deliveries_of(hook)
            .await
            .expect("rows")
            .len(),
        events.len()
    );
}

#[tokio::test]
async fn pruning_removes_old_published_events_and_finished_deliveries_only() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let admin_id = admin_id(&app).await;
    endpoint(
        &app,
        receiver.url(),
        EndpointSpec {
            owner_member_id: Some(admin_id),
            event_types: vec!["account.created"],
            ..EndpointSpec::default()
        },
    )
    .await;
    let admin = app.admin_token.clone();
    for i in 0..5 {
        app.account_as(&admin, &format!("Old {i}"), json!({})).await;
    }
    app.relay_step(Utc::now()).await;
    let now = Utc::now();
    let report = app.dispatch_step(now).await;
    assert_eq!(report.succeeded, 5);
    let unpublished_later = app.account_as(&admin, "Late", json!({})).await;
    let outbox = app.store.count_rows("outbox").await.expect("count");

    // Within the retention nothing goes.
    let pruned = app
        .events
        .prune(now + chrono::Duration::days(6))
        .await
        .expect("prune");
    assert_eq!((pruned.events, pruned.deliveries), (0, 0));

    let pruned = app
        .events
        .prune(now + chrono::Duration::days(8))
        .await
        .expect("prune");
    assert_eq!(pruned.deliveries, 5);
    // Every published row but the last (numbering goes on from it); the unpublished one stays.
    assert!(pruned.events >= 4, "{pruned:?}");
    assert_eq!(
        app.store.count_rows("outbox").await.expect("count"),
        outbox - i64::try_from(pruned.events).expect("small")
    );
    assert_eq!(
        app.store.published_after(0, 100).await.expect("rows").len(),
        1
    );
    assert_eq!(
        app.store
            .count_rows("webhook_attempts")
            .await
            .expect("count"),
        0
    );

    // Numbering continues after pruning.
    let last = app.store.last_published_seq().await.expect("seq");
    app.relay_step(Utc::now()).await;
    let next = app.store.published_after(last, 10).await.expect("events");
    assert!(!next.is_empty());
    assert_eq!(next[0].seq, last + 1);
    assert!(
        next.iter()
            .all(|e| e.aggregate_id == raw(Kind::Account, &unpublished_later))
    );
}
