//! A revocation that takes effect later (a rotation's grace end) refuses the token from that
//! time on, although the token's "still good" answer was cached before: the cache keeps when
//! the revocation takes effect, and every request compares it with its own time. On SQLite, or
//! on PostgreSQL when `TEST_DATABASE_URL` is set.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use rapport_domain::values::Text;
use secrecy::SecretSlice;

use super::api_key::ApiKeys;
use super::jwt::{JwtKeys, JwtSettings};
use super::{AuthFailure, authenticate_at, partner_subject};
use crate::global_id::{self, Kind};
use crate::store::{Store, StoreSettings};

struct World {
    _dir: tempfile::TempDir,
    store: Store,
    keys: JwtKeys,
    api_keys: ApiKeys,
    header: Vec<u8>,
    token_id: String,
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = crate::store::test_database_url(dir.path(), "grace.db").await;
    let store = Store::connect(&StoreSettings {
        url,
        pool_size: 2,
        busy_timeout: Duration::from_secs(5),
    })
    .await
    .expect("connected");
    store.migrate().await.expect("migrated");
    let keys = JwtKeys::from_settings(&JwtSettings::default(), dir.path()).expect("keys");
    let tx = store.begin().await.expect("tx");
    let partner = tx
        .insert_partner(&Text::name("name", "Graceful").expect("name"), Utc::now())
        .await
        .expect("partner");
    tx.commit().await.expect("committed");
    let (token, token_id, _) = keys
        .mint(
            &partner_subject(partner.id),
            "PARTNER",
            Some(&global_id::encode(Kind::Partner, partner.id.get())),
            TimeDelta::days(30),
            Utc::now(),
        )
        .expect("minted");
    // As a server that hears every change: the cache answers.
    store.auth_cache().set_live(true);
    World {
        _dir: dir,
        store,
        keys,
        api_keys: ApiKeys::new(SecretSlice::from(vec![7_u8; 32])),
        header: format!("Bearer {token}").into_bytes(),
        token_id,
    }
}

async fn at(w: &World, now: DateTime<Utc>) -> Result<(), AuthFailure> {
    authenticate_at(&w.keys, &w.api_keys, &w.store, Some(&w.header), now)
        .await
        .map(|_| ())
}

#[tokio::test]
async fn a_token_in_its_grace_period_works_until_its_end_and_not_after_though_its_answer_was_cached()
 {
    let w = world().await;
    let now = Utc::now();
    let grace_end = now + TimeDelta::hours(1);
    let tx = w.store.begin().await.expect("tx");
    assert!(
        tx.revoke_token(&w.token_id, "test", None, now, grace_end)
            .await
            .expect("revoked")
    );
    tx.commit().await.expect("committed");

    at(&w, now).await.expect("works during the grace period");
    assert!(
        w.store.auth_cache().revoked(&w.token_id).is_some(),
        "the answer is cached"
    );
    at(&w, grace_end - TimeDelta::seconds(1))
        .await
        .expect("works until the grace end");
    let after = at(&w, grace_end + TimeDelta::seconds(1)).await;
    assert!(
        matches!(after, Err(AuthFailure::Revoked)),
        "refused after the grace end: {after:?}"
    );
}

#[tokio::test]
async fn revoking_a_token_in_its_grace_period_ends_it_at_once() {
    let w = world().await;
    let now = Utc::now();
    let tx = w.store.begin().await.expect("tx");
    tx.revoke_token(&w.token_id, "test", None, now, now + TimeDelta::hours(1))
        .await
        .expect("rotated");
    tx.commit().await.expect("committed");
    at(&w, now).await.expect("works during the grace period");

    let tx = w.store.begin().await.expect("tx");
    assert!(
        tx.revoke_token(&w.token_id, "test", None, now, now)
            .await
            .expect("revoked"),
        "bringing the revocation forward is a change"
    );
    tx.commit().await.expect("committed");
    assert!(matches!(at(&w, now).await, Err(AuthFailure::Revoked)));

    let tx = w.store.begin().await.expect("tx");
    assert!(
        !tx.revoke_token(&w.token_id, "test", None, now, now + TimeDelta::hours(2))
            .await
            .expect("revoked again"),
        "a later revocation changes nothing"
    );
    tx.commit().await.expect("committed");
    assert!(matches!(at(&w, now).await, Err(AuthFailure::Revoked)));
}
