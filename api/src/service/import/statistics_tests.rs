//! A bulk write keeps the query planner's statistics of the tables it grows up to date
//! (`store::GrowthWatch`): on PostgreSQL, an import's later chunks look their rows up through
//! the unique indexes only if the planner knows the table is no longer nearly empty.

use std::fmt::Write as _;

use super::tests::{ACCOUNTS, now, options, run, world};
use super::{Format, ImportKind};
use crate::store::Grown;

#[tokio::test]
async fn an_import_that_grows_a_table_leaves_the_planner_knowing_its_size() {
    let w = world().await;
    run(&w, &options(ImportKind::Accounts, Format::Csv), ACCOUNTS).await;
    let before = w.store.planner_rows(Grown::Contacts).await.expect("rows");
    let mut file = String::from("external_id,account_external_id,first_name,email\n");
    for n in 0..3_000 {
        writeln!(file, "C{n},A1,Person{n},person{n}@acme.test").expect("line");
    }
    let mut opts = options(ImportKind::Contacts, Format::Csv);
    opts.source = Some("crm".into());
    let report = run(&w, &opts, &file).await;
    assert_eq!(report.created, 3_000, "{:?}", report.rows.first());
    let after = w.store.planner_rows(Grown::Contacts).await.expect("rows");
    if w.store.is_sqlite() {
        // SQLite keeps no row estimate and needs none (see `store::statistics`).
        assert_eq!((before, after), (None, None));
    } else {
        // An empty table is analyzed at 500, 1,000 and 2,000 rows added.
        assert_eq!(before, Some(0), "a fresh database was never analyzed");
        let after = after.expect("PostgreSQL keeps an estimate");
        assert!(
            (2_000..=3_000).contains(&after),
            "the planner believes contacts holds {after} rows after 3,000 were imported"
        );
    }
}

#[tokio::test]
async fn demo_data_leaves_the_planner_knowing_what_it_wrote() {
    let w = world().await;
    crate::service::seed_demo_data(&w.store, &[], 10, 1_200, now(), |_| {})
        .await
        .expect("seeded");
    let contacts = w.store.planner_rows(Grown::Contacts).await.expect("rows");
    let accounts = w.store.planner_rows(Grown::Accounts).await.expect("rows");
    if w.store.is_sqlite() {
        assert_eq!((contacts, accounts), (None, None));
    } else {
        assert_eq!(contacts, Some(1_200));
        assert!(accounts >= Some(10), "accounts: {accounts:?}");
    }
}
