//! What writing a chunk's new records together must keep: a row that fails is refused alone
//! (before the write, or in it: then the chunk's batch is written again row by row), and every
//! record written has its audit row, its event (with its account) and its sync jobs.

use std::sync::Arc;

use rapport_domain::ids::ContactId;

use super::tests::{ACCOUNTS, World, accounts, contacts, now, options, outcomes, run, world};
use super::{Format, ImportInput, ImportKind, ImportOptions, ImportReport, MatchBy};
use crate::auth::ReadScope;
use crate::service::Ctx;
use crate::store::AuditQuery;

/// Imports with one sync provider enabled, so contact changes queue sync jobs.
async fn run_syncing(w: &World, options: &ImportOptions, file: &str) -> ImportReport {
    let providers = vec!["mailchimp".to_owned()];
    let ctx = Ctx {
        store: &w.store,
        caller: &w.admin,
        request_id: "test",
        now: now(),
        providers: &providers,
        registry: None,
    };
    let input = ImportInput::Bytes(Arc::new(file.as_bytes().to_vec()));
    super::import(&ctx, options, input, |_, _| {})
        .await
        .expect("imported")
}

/// The audit rows and outbox events of one record, and (contacts) its sync jobs' providers.
async fn history(w: &World, kind: &str, id: i64) -> (u64, Vec<(String, Option<i64>)>) {
    let audits = w
        .store
        .audit_count(
            ReadScope::system(),
            &AuditQuery {
                entity_type: Some(kind.to_owned()),
                entity_id: Some(id.to_string()),
                ..AuditQuery::default()
            },
        )
        .await
        .expect("audit");
    let events = w
        .store
        .outbox_events_of(kind, id)
        .await
        .expect("events")
        .into_iter()
        .map(|e| (e.event_type, e.account_id))
        .collect();
    (audits, events)
}

async fn sync_providers(w: &World, id: i64) -> Vec<String> {
    let (jobs, _) = w
        .store
        .sync_rows_for(&[ContactId::new(id)])
        .await
        .expect("sync rows");
    jobs.into_iter().map(|j| j.provider).collect()
}

#[tokio::test]
async fn one_bad_row_among_good_ones_is_refused_alone_and_every_written_contact_has_its_history() {
    let w = world().await;
    let acme = run(&w, &options(ImportKind::Accounts, Format::Csv), ACCOUNTS).await;
    let (acme, globex) = (
        acme.rows[0].id.expect("acme"),
        acme.rows[1].id.expect("globex"),
    );
    let mut opts = options(ImportKind::Contacts, Format::Csv);
    opts.source = Some("crm".into());
    run(
        &w,
        &opts,
        "external_id,account_external_id,first_name,email\nC1,A1,Grace,grace@acme.test\n",
    )
    .await;
    let before = contacts(&w).await;
    // Matching by email only: line 4's new address passes every check before the write and
    // fails in it, on the unique index of external ids (C1 is Grace's). Line 3 fails before.
    opts.match_by = vec![MatchBy::Email];
    let report = run_syncing(
        &w,
        &opts,
        "external_id,account_external_id,first_name,email,tags\n\
         C10,A1,Ann,ann@acme.test,vip\n\
         C11,A1,Bad,not-an-email,\n\
         C1,A1,Eve,eve@acme.test,\n\
         C12,A2,Bob,bob@globex.test,renewal;vip\n\
         C13,A1,Cy,cy@acme.test,\n",
    )
    .await;
    let got = outcomes(&report);
    assert_eq!(got[0], (2, "CREATE".into()));
    assert_eq!(got[1].0, 3);
    assert!(got[1].1.starts_with("REFUSED(email:"), "{got:?}");
    assert_eq!(
        got[2..],
        [
            (
                4,
                "REFUSED(external_id: is already used by another record)".into()
            ),
            (5, "CREATE".into()),
            (6, "CREATE".into()),
        ]
    );
    assert_eq!(
        contacts(&w).await,
        before + 3,
        "Eve's row left nothing behind"
    );
    for (row, account) in [(0, acme), (3, globex), (4, acme)] {
        let id = report.rows[row].id.expect("created");
        assert_eq!(
            history(&w, "Contact", id).await,
            (1, vec![("contact.created".to_owned(), Some(account))]),
            "line {}",
            report.rows[row].line
        );
        assert_eq!(sync_providers(&w, id).await, vec!["mailchimp".to_owned()]);
    }
    let bob = w
        .store
        .contacts_by_ids(
            ReadScope::system(),
            &[ContactId::new(report.rows[3].id.expect("bob"))],
        )
        .await
        .expect("read");
    let bob = bob[0].parts();
    assert_eq!(
        bob.external.as_ref().map(|e| (e.source(), e.id())),
        Some(("crm", "C12"))
    );
    let tags: Vec<&str> = bob
        .details
        .as_ref()
        .expect("live")
        .tags
        .as_slice()
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(tags, ["renewal", "vip"]);
}

#[tokio::test]
async fn keys_colliding_within_a_chunk_or_with_the_database_refuse_only_their_rows() {
    let w = world().await;
    let mut opts = options(ImportKind::Accounts, Format::Csv);
    run(&w, &opts, ACCOUNTS).await;
    // Line 4's external id is Acme's (A1), refused before the write; lines 5 and 6 repeat
    // keys of earlier lines of the same chunk. The others are written together.
    opts.match_by = vec![MatchBy::Domain];
    let report = run(
        &w,
        &opts,
        "external_source,external_id,name,domain\n\
         crm,A3,Initech,initech.test\n\
         crm,A4,Umbrella,umbrella.test\n\
         crm,A1,Hooli,hooli.test\n\
         crm,A3,Initech Again,initech2.test\n\
         crm,A5,Umbrella Two,UMBRELLA.test\n\
         crm,A6,Stark,stark.test\n",
    )
    .await;
    let got = outcomes(&report);
    assert_eq!(got[..2], [(2, "CREATE".into()), (3, "CREATE".into())]);
    assert_eq!(got[2].0, 4);
    assert!(
        got[2]
            .1
            .starts_with("REFUSED(external_id: is the external id of another account"),
        "{got:?}"
    );
    assert_eq!(
        got[3..],
        [
            (
                5,
                "REFUSED(external_id: repeats the external_id of line 2: a possible duplicate, not merged)"
                    .into()
            ),
            (
                6,
                "REFUSED(domain: repeats the domain of line 3: a possible duplicate, not merged)"
                    .into()
            ),
            (7, "CREATE".into()),
        ]
    );
    assert_eq!(accounts(&w).await, 5);
    for row in [0, 1, 5] {
        let id = report.rows[row].id.expect("created");
        assert_eq!(
            history(&w, "Account", id).await,
            (1, vec![("account.created".to_owned(), Some(id))])
        );
    }
}

#[tokio::test]
async fn a_dry_run_of_batched_rows_reports_the_real_runs_outcomes_and_writes_nothing() {
    let w = world().await;
    run(&w, &options(ImportKind::Accounts, Format::Csv), ACCOUNTS).await;
    let mut opts = options(ImportKind::Contacts, Format::Csv);
    opts.source = Some("crm".into());
    let file: String = std::iter::once("external_id,account_external_id,first_name,email\n".into())
        .chain((1..=1_200).map(|i| format!("C{i},A1,P{i},p{i}@acme.test\n")))
        .collect();
    opts.dry_run = true;
    let dry = run(&w, &opts, &file).await;
    assert_eq!((dry.created, dry.refused), (1_200, 0));
    assert_eq!(contacts(&w).await, 0);
    opts.dry_run = false;
    let real = run(&w, &opts, &file).await;
    assert_eq!(outcomes(&real), outcomes(&dry));
    assert_eq!(contacts(&w).await, 1_200);
    let again = run(&w, &opts, &file).await;
    assert_eq!(again.unchanged, 1_200, "idempotent across chunks");
}

#[tokio::test]
async fn new_contacts_cost_a_few_statements_per_chunk_not_several_per_row() {
    let w = world().await;
    run(&w, &options(ImportKind::Accounts, Format::Csv), ACCOUNTS).await;
    let mut opts = options(ImportKind::Contacts, Format::Csv);
    opts.source = Some("crm".into());
    let rows = 2_000u64;
    let file: String = std::iter::once("external_id,account_external_id,first_name,email\n".into())
        .chain((1..=rows).map(|i| format!("C{i},A1,P{i},p{i}@acme.test\n")))
        .collect();
    let before = w.store.statement_count();
    let report = run_syncing(&w, &opts, &file).await;
    let statements = w.store.statement_count() - before;
    assert_eq!(report.created, rows);
    // Per chunk of 500 rows: BEGIN, four look-ups, the account, SAVEPOINT, the contacts,
    // RELEASE, the sync jobs, the audit rows, the events' accounts, the events, COMMIT.
    println!(
        "{statements} statements for {rows} new contacts ({:.3} per row)",
        statements as f64 / rows as f64
    );
    assert!(
        statements <= 4 * 16,
        "{statements} statements for {rows} rows in 4 chunks"
    );
}
