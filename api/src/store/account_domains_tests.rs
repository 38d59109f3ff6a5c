//! The domain-claims migration on rows written before it, and the unique index that keeps a
//! domain confirmed for one account at most. On SQLite, or on PostgreSQL when
//! `TEST_DATABASE_URL` is set.

use std::time::Duration;

use rapport_domain::account::AccountDomain;
use rapport_domain::ids::{AccountId, TeamMemberId};
use rapport_domain::values::EmailDomain;
use rapport_migration::{Migrator, MigratorTrait};

use crate::store::{Store, StoreError, StoreSettings};

/// A store migrated up to the step before domain claims, and the folder of its SQLite file.
async fn store_before_claims() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = crate::store::test_database_url(dir.path(), "d.db").await;
    let store = Store::connect(&StoreSettings {
        url,
        pool_size: 2,
        busy_timeout: Duration::from_secs(5),
    })
    .await
    .expect("connected");
    Migrator::up(store.writer().ungated(), Some(7))
        .await
        .expect("migrated to the step before");
    (store, dir)
}

fn claims(store_account: &rapport_domain::account::Account) -> Vec<(&str, bool)> {
    store_account
        .domains()
        .iter()
        .map(|d| (d.domain.as_str(), d.confirmed))
        .collect()
}

#[tokio::test]
async fn existing_domains_stay_confirmed_only_where_no_partner_could_have_named_them() {
    let (store, _dir) = store_before_claims().await;
    let at = "'2026-11-30T09:00:00Z'";
    for sql in [
        format!(
            "INSERT INTO team_members (id, subject, name, email, email_key, role, active, version, created_at, updated_at) \
             VALUES (1, 'staff-1', 'Grace', 'g@example.com', 'g@example.com', 'ACCOUNT_MANAGER', TRUE, 1, {at}, {at})"
        ),
        format!(
            "INSERT INTO partners (id, name, active, version, created_at, updated_at) VALUES (1, 'Reseller', TRUE, 1, {at}, {at})"
        ),
        // 1: created by staff, no partner. 2: referred by a partner, whose token may have
        // carried a staff subject. 3: no partner, no audit row.
        format!(
            "INSERT INTO accounts (id, name, name_key, kind, relationship, acquisition_channel, partner_id, status, version, created_at, updated_at) VALUES \
             (1, 'Staff', 'staff', 'ORGANIZATION', 'CUSTOMER', 'DIRECT', NULL, 'ACTIVE', 1, {at}, {at}), \
             (2, 'Referred', 'referred', 'ORGANIZATION', 'CUSTOMER', 'PARTNER', 1, 'ACTIVE', 1, {at}, {at}), \
             (3, 'Imported', 'imported', 'ORGANIZATION', 'CUSTOMER', 'DIRECT', NULL, 'ACTIVE', 1, {at}, {at})"
        ),
        "INSERT INTO account_domains (domain, account_id) VALUES \
         ('staff.example', 1), ('referred.example', 2), ('imported.example', 3)"
            .to_owned(),
        format!(
            "INSERT INTO audit_log (at, actor, action, entity_type, entity_id, request_id) VALUES \
             ({at}, 'staff-1', 'createAccount', 'Account', '1', 'r1'), \
             ({at}, 'staff-1', 'createAccount', 'Account', '2', 'r2'), \
             ({at}, 'staff-1', 'updateAccount', 'Account', '3', 'r3')"
        ),
    ] {
        store.execute_raw(&sql).await.expect("seeded");
    }

    store.migrate().await.expect("migrated");

    let mut accounts = store
        .accounts_by_ids(
            crate::auth::ReadScope::system(),
            &[AccountId::new(1), AccountId::new(2), AccountId::new(3)],
        )
        .await
        .expect("accounts");
    accounts.sort_by_key(|a| a.id());
    let seen: Vec<_> = accounts
        .iter()
        .map(|a| (a.id().get(), claims(a), a.created_by()))
        .collect();
    assert_eq!(
        seen,
        [
            (1, vec![("staff.example", true)], Some(TeamMemberId::new(1))),
            (2, vec![("referred.example", false)], None),
            (3, vec![("imported.example", true)], None),
        ]
    );
    let tx = store.begin().await.expect("tx");
    assert_eq!(
        tx.account_for_domain("staff.example")
            .await
            .expect("lookup"),
        Some(AccountId::new(1))
    );
    assert_eq!(
        tx.account_for_domain("referred.example")
            .await
            .expect("lookup"),
        None,
        "a claim that may be a partner's routes nothing"
    );
}

#[tokio::test]
async fn a_domain_is_confirmed_for_one_account_at_most_but_may_be_claimed_by_many() {
    let (store, _dir) = store_before_claims().await;
    store.migrate().await.expect("migrated");
    let at = "'2026-11-30T09:00:00Z'";
    store
        .execute_raw(&format!(
            "INSERT INTO accounts (id, name, name_key, kind, relationship, acquisition_channel, status, version, created_at, updated_at) VALUES \
             (1, 'One', 'one', 'ORGANIZATION', 'CUSTOMER', 'DIRECT', 'ACTIVE', 1, {at}, {at}), \
             (2, 'Two', 'two', 'ORGANIZATION', 'CUSTOMER', 'DIRECT', 'ACTIVE', 1, {at}, {at}), \
             (3, 'Three', 'three', 'ORGANIZATION', 'CUSTOMER', 'DIRECT', 'ACTIVE', 1, {at}, {at})"
        ))
        .await
        .expect("seeded");
    let domain = EmailDomain::parse("shared.example").expect("domain");
    let with = |confirmed| {
        vec![AccountDomain {
            domain: domain.clone(),
            confirmed,
        }]
    };
    let tx = store.begin().await.expect("tx");
    tx.replace_domains(1, &with(true)).await.expect("confirmed");
    tx.replace_domains(2, &with(false)).await.expect("a claim");
    tx.replace_domains(3, &with(false)).await.expect("another");
    tx.commit().await.expect("committed");

    let tx = store.begin().await.expect("tx");
    let err = tx
        .replace_domains(3, &with(true))
        .await
        .expect_err("a second confirmation is refused by the database");
    assert!(
        matches!(err, StoreError::Taken { field: "domains" }),
        "{err:?}"
    );
    drop(tx);

    let tx = store.begin().await.expect("tx");
    assert_eq!(
        tx.domains_confirmed_elsewhere(std::slice::from_ref(&domain), Some(AccountId::new(3)))
            .await
            .expect("lookup"),
        [(domain.clone(), AccountId::new(1))]
    );
    assert!(
        tx.domains_confirmed_elsewhere(std::slice::from_ref(&domain), Some(AccountId::new(1)))
            .await
            .expect("lookup")
            .is_empty()
    );
}
