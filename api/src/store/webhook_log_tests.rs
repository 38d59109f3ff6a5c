//! Redelivery over the database: a failed delivery set pending again, due now, unleased and
//! marked manual; the mark is taken once.

use std::time::Duration as StdDuration;

use chrono::{Duration, SubsecRound as _, Utc};
use sea_orm::{ActiveModelTrait, Set};

use super::*;
use crate::store::entity::webhook_delivery;
use crate::store::{EndpointInsert, StoreSettings};

async fn store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = crate::store::test_database_url(dir.path(), "d.db").await;
    let store = Store::connect(&StoreSettings {
        url,
        pool_size: 2,
        busy_timeout: StdDuration::from_secs(5),
    })
    .await
    .expect("connected");
    store.migrate().await.expect("migrated");
    (store, dir)
}

#[tokio::test]
async fn redelivery_sets_a_failed_delivery_pending_now_and_marks_one_attempt_manual() {
    let (store, _dir) = store().await;
    let now = Utc::now().trunc_subsecs(0);
    let tx = store.begin().await.expect("tx");
    let endpoint = tx
        .insert_webhook_endpoint(
            EndpointInsert {
                owner_member_id: None,
                partner_id: Some(1),
                url: "https://p.example.com/".into(),
                description: String::new(),
                event_types: vec![],
                account_id: None,
                secret: "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=".into(),
                created_by: "t".into(),
            },
            now,
        )
        .await
        .expect("endpoint");
    let row = webhook_delivery::ActiveModel {
        endpoint_id: Set(endpoint.id),
        event_id: Set("evt_1".into()),
        event_seq: Set(1),
        event_type: Set("account.created".into()),
        aggregate_key: Set("Account:1".into()),
        body: Set("{}".into()),
        state: Set("failed".into()),
        attempts: Set(9),
        next_attempt_at: Set(now - Duration::days(1)),
        leased_until: Set(Some(now + Duration::minutes(1))),
        leased_by: Set(Some("stale".into())),
        last_status: Set(Some(500)),
        last_error: Set(None),
        created_at: Set(now - Duration::days(3)),
        delivered_at: Set(None),
        manual_requested: Set(false),
        ..Default::default()
    }
    .insert(&tx.inner)
    .await
    .expect("delivery");
    tx.commit().await.expect("commit");

    let tx = store.begin().await.expect("tx");
    // Another partner's scope does not see it; the owner's does.
    let other = ReadScope::of(&rapport_domain::permissions::Principal::Partner {
        partner: rapport_domain::ids::PartnerId::new(2),
        scopes: rapport_domain::permissions::Scopes::ALL,
    });
    assert!(
        tx.load_webhook_delivery(other, row.id)
            .await
            .expect("read")
            .is_none()
    );
    let mine = ReadScope::of(&rapport_domain::permissions::Principal::Partner {
        partner: rapport_domain::ids::PartnerId::new(1),
        scopes: rapport_domain::permissions::Scopes::ALL,
    });
    let (found, owner) = tx
        .load_webhook_delivery(mine, row.id)
        .await
        .expect("read")
        .expect("in scope");
    assert_eq!((found.state.as_str(), owner.id), ("failed", endpoint.id));
    assert!(
        !tx.take_manual_request(row.id).await.expect("take"),
        "not asked yet"
    );
    tx.request_redelivery(row.id, now).await.expect("redeliver");
    tx.commit().await.expect("commit");

    let page = store
        .webhook_deliveries_page(endpoint.id, Some("pending"), &PageRequest::first(10))
        .await
        .expect("page");
    assert_eq!(page.items.len(), 1);
    let d = &page.items[0];
    assert_eq!(d.next_attempt_at, now);
    assert!(d.manual_requested);
    assert_eq!(d.attempts, 9, "the attempt count is kept");
    let tx = store.begin().await.expect("tx");
    assert!(tx.take_manual_request(row.id).await.expect("take"));
    assert!(
        !tx.take_manual_request(row.id).await.expect("take"),
        "taken once"
    );
    tx.commit().await.expect("commit");
    let raw = webhook_delivery::Entity::find_by_id(row.id)
        .one(store.reader())
        .await
        .expect("read")
        .expect("row");
    assert_eq!((raw.leased_until, raw.leased_by), (None, None));
}
