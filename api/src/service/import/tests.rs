//! Imports through the use case, on SQLite, or on PostgreSQL when `TEST_DATABASE_URL` is set.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone as _, Utc};
use rapport_domain::permissions::Principal;
use rapport_domain::role::Role;
use rapport_domain::team::Subject;
use rapport_domain::values::{EmailAddress, Text};

use super::{Format, ImportInput, ImportKind, ImportOptions, ImportReport, MatchBy, Outcome};
use crate::auth::{Caller, ReadScope};
use crate::service::Ctx;
use crate::store::{NewTeamMember, Store, StoreSettings};

pub(super) struct World {
    _dir: tempfile::TempDir,
    pub store: Store,
    pub admin: Caller,
}

pub(super) async fn world() -> World {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = crate::store::test_database_url(dir.path(), "import.db").await;
    let store = Store::connect(&StoreSettings {
        url,
        pool_size: 2,
        busy_timeout: Duration::from_secs(5),
    })
    .await
    .expect("connected");
    store.migrate().await.expect("migrated");
    let member = |name: &str, email: &str, role, subject: &str| NewTeamMember {
        name: Text::name("name", name).expect("name"),
        email: EmailAddress::parse(email).expect("email"),
        role,
        subject: Subject::parse(subject).expect("subject"),
    };
    let tx = store.begin().await.expect("tx");
    let admin = tx
        .insert_team_member(
            &member("Ada Admin", "ada@rapport.test", Role::Admin, "ada"),
            now(),
        )
        .await
        .expect("admin");
    tx.insert_team_member(
        &member(
            "Max Manager",
            "max@rapport.test",
            Role::AccountManager,
            "max",
        ),
        now(),
    )
    .await
    .expect("manager");
    tx.commit().await.expect("committed");
    World {
        _dir: dir,
        store,
        admin: Caller {
            principal: Principal::Staff {
                member: admin.id,
                role: Role::Admin,
            },
            subject: "ada".into(),
            token_id: "test".into(),
        },
    }
}

pub(super) fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 10, 9, 0, 0)
        .single()
        .expect("time")
}

pub(super) async fn run(w: &World, options: &ImportOptions, file: &str) -> ImportReport {
    try_run(w, options, file).await.expect("imported")
}

async fn try_run(
    w: &World,
    options: &ImportOptions,
    file: &str,
) -> Result<ImportReport, crate::error::ApiError> {
    let ctx = Ctx {
        store: &w.store,
        caller: &w.admin,
        request_id: "test",
        now: now(),
        providers: &[],
        registry: None,
    };
    let input = ImportInput::Bytes(Arc::new(file.as_bytes().to_vec()));
    super::import(&ctx, options, input, |_, _| {}).await
}

pub(super) fn outcomes(report: &ImportReport) -> Vec<(u64, String)> {
    report
        .rows
        .iter()
        .map(|r| {
            let what = match &r.outcome {
                Outcome::Refused { field, reason } => format!("REFUSED({field}: {reason})"),
                other => other.as_str().to_owned(),
            };
            (r.line, what)
        })
        .collect()
}

pub(super) async fn contacts(w: &World) -> u64 {
    w.store
        .contacts_count(ReadScope::system(), &Default::default())
        .await
        .expect("count")
}

pub(super) async fn accounts(w: &World) -> u64 {
    w.store
        .accounts_count(ReadScope::system(), &Default::default())
        .await
        .expect("count")
}

pub(super) const ACCOUNTS: &str = "external_source,external_id,name,domain\n\
crm,A1,Acme,acme.test\n\
crm,A2,Globex,globex.test\n";

pub(super) fn options(kind: ImportKind, format: Format) -> ImportOptions {
    ImportOptions::new(kind, format)
}

#[tokio::test]
async fn a_dry_run_reports_each_row_changes_nothing_and_the_real_run_reports_the_same() {
    let w = world().await;
    run(&w, &options(ImportKind::Accounts, Format::Csv), ACCOUNTS).await;
    let first = "external_id,account_external_id,first_name,last_name,email,phone,title,marketing_consent\n\
        C1,A1,Grace,Hopper,grace@acme.test,+14155550101,CTO,subscribed\n\
        C2,A2,Alan,Turing,alan@globex.test,,,\n";
    let mut opts = options(ImportKind::Contacts, Format::Csv);
    opts.source = Some("crm".into());
    run(&w, &opts, first).await;
    let file = "external_id,account_external_id,first_name,last_name,email,phone,title,marketing_consent\n\
        C1,A1,Grace,Hopper,grace@acme.test,+14155550101,Rear Admiral,subscribed\n\
        C2,A2,Alan,Turing,alan@globex.test,,,\n\
        C3,A1,Edsger,Dijkstra,not-an-email,,,\n\
        C4,A1,Barbara,Liskov,barbara@acme.test,,,\n\
        C5,A9,Ken,Thompson,ken@acme.test,,,\n\
        C6,A2,\"=HYPERLINK(\"\"http://evil.test\"\",\"\"x\"\")\",Doe,jane@globex.test,,,\n\
        C7,A2,Twin,Doe,BARBARA@acme.test,,,\n";
    let before = contacts(&w).await;
    opts.dry_run = true;
    let dry = run(&w, &opts, file).await;
    assert_eq!(contacts(&w).await, before, "a dry run writes nothing");
    let expected: Vec<(u64, String)> = vec![
        (2, "UPDATE".into()),
        (3, "UNCHANGED".into()),
        (
            4,
            "REFUSED(email: `not-an-email` is not a valid email address)".into(),
        ),
        (5, "CREATE".into()),
        (
            6,
            "REFUSED(account_external_id: no account has the external id crm:A9)".into(),
        ),
        (7, "CREATE".into()),
        (
            8,
            "REFUSED(email: repeats the email of line 5: a possible duplicate, not merged)".into(),
        ),
    ];
    let got = outcomes(&dry);
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for (g, e) in got.iter().zip(&expected) {
        assert_eq!(g.0, e.0);
        if e.1.starts_with("REFUSED(email: `") {
            assert!(g.1.starts_with("REFUSED(email:"), "{g:?}");
        } else {
            assert_eq!(g, e);
        }
    }
    assert_eq!(
        (dry.created, dry.updated, dry.unchanged, dry.refused),
        (2, 1, 1, 3)
    );
    opts.dry_run = false;
    let real = run(&w, &opts, file).await;
    assert_eq!(
        outcomes(&real),
        got,
        "the real run reports what the dry run did"
    );
    assert_eq!(contacts(&w).await, before + 2);
    // The formula is kept as text, not evaluated or dropped.
    let jane_id = rapport_domain::ids::ContactId::new(real.rows[5].id.expect("created"));
    let page = w
        .store
        .contacts_by_ids(ReadScope::system(), &[jane_id])
        .await
        .expect("read");
    let jane = page[0].parts().details.clone().expect("live");
    assert_eq!(
        jane.first_name.as_str(),
        "=HYPERLINK(\"http://evil.test\",\"x\")"
    );
    assert_eq!(
        page[0]
            .parts()
            .external
            .as_ref()
            .map(|e| (e.source(), e.id())),
        Some(("crm", "C6"))
    );
    // Idempotent: the same file again changes nothing.
    let again = run(&w, &opts, file).await;
    assert_eq!(
        (again.created, again.updated),
        (0, 0),
        "{:#?}",
        outcomes(&again)
    );
    assert_eq!(again.unchanged, 4);
    assert_eq!(contacts(&w).await, before + 2);
}

#[tokio::test]
async fn json_lines_import_the_same_as_csv_and_match_by_email_to_set_the_external_id() {
    let w = world().await;
    run(&w, &options(ImportKind::Accounts, Format::Csv), ACCOUNTS).await;
    let csv = "account_external_id,first_name,email\nA1,Grace,grace@acme.test\n";
    let mut opts = options(ImportKind::Contacts, Format::Csv);
    opts.source = Some("crm".into());
    assert_eq!(
        outcomes(&run(&w, &opts, csv).await),
        vec![(2, "CREATE".into())]
    );
    let jsonl = "{\"external_source\":\"legacy\",\"external_id\":\"77\",\"first_name\":\"Grace\",\"email\":\"Grace@Acme.test\",\"title\":\"CTO\"}\n";
    let mut by_id_only = options(ImportKind::Contacts, Format::JsonLines);
    by_id_only.match_by = vec![MatchBy::ExternalId];
    let refused = run(&w, &by_id_only, jsonl).await;
    assert!(
        matches!(&refused.rows[0].outcome, Outcome::Refused { field, .. } if field == "email"),
        "{:#?}",
        outcomes(&refused)
    );
    let by_email = options(ImportKind::Contacts, Format::JsonLines);
    let updated = run(&w, &by_email, jsonl).await;
    assert_eq!(outcomes(&updated), vec![(1, "UPDATE".into())]);
    assert_eq!(
        outcomes(&run(&w, &by_id_only, jsonl).await),
        vec![(1, "UNCHANGED".into())]
    );
    assert_eq!(contacts(&w).await, 1);
}

#[tokio::test]
async fn a_row_that_fails_in_the_database_leaves_nothing_half_written() {
    let w = world().await;
    run(&w, &options(ImportKind::Accounts, Format::Csv), ACCOUNTS).await;
    let mut opts = options(ImportKind::Contacts, Format::Csv);
    opts.source = Some("crm".into());
    run(
        &w,
        &opts,
        "external_id,account_external_id,first_name,email\nC1,A1,Grace,grace@acme.test\n",
    )
    .await;
    // Matching by email only, a new address with a used external id passes every check
    // before the write and fails on the unique index after the contact row is inserted.
    opts.match_by = vec![MatchBy::Email];
    let report = run(
        &w,
        &opts,
        "external_id,account_external_id,first_name,email\nC1,A1,Eve,eve@acme.test\nC2,A1,Bob,bob@acme.test\n",
    )
    .await;
    assert_eq!(
        outcomes(&report),
        vec![
            (
                2,
                "REFUSED(external_id: is already used by another record)".into()
            ),
            (3, "CREATE".into())
        ]
    );
    assert_eq!(
        contacts(&w).await,
        2,
        "Eve's row was undone whole; Bob's kept"
    );
}

#[tokio::test]
async fn a_client_imported_with_a_past_date_shows_the_promotion_as_imported() {
    let w = world().await;
    let file = "{\"external_id\":\"A1\",\"name\":\"Acme\",\"domain\":\"acme.test\",\"relationship_type\":\"CLIENT\",\"account_manager_email\":\"max@rapport.test\",\"client_since\":\"2019-03-01\"}\n\
        {\"external_id\":\"A2\",\"name\":\"Globex\",\"relationship_type\":\"CLIENT\"}\n\
        {\"external_id\":\"A3\",\"name\":\"Initech\",\"relationship_type\":\"CUSTOMER\",\"client_since\":\"2019-03-01\"}\n";
    let mut opts = options(ImportKind::Accounts, Format::JsonLines);
    opts.source = Some("crm".into());
    let report = run(&w, &opts, file).await;
    assert_eq!(
        outcomes(&report),
        vec![
            (1, "CREATE".into()),
            (
                2,
                "REFUSED(account_manager_email: is required for a CLIENT (the dedicated account manager))"
                    .into()
            ),
            (
                3,
                "REFUSED(client_since: is only for rows whose relationship_type is CLIENT)".into()
            ),
        ]
    );
    let id = rapport_domain::ids::AccountId::new(report.rows[0].id.expect("created"));
    let history = w
        .store
        .relationship_history(ReadScope::system(), id)
        .await
        .expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].actor, "import by ada");
    assert_eq!(history[0].at.to_rfc3339(), "2019-03-01T00:00:00+00:00");
    assert_eq!(
        history[0].reason.as_str(),
        "imported: a client since 2019-03-01"
    );
    let again = run(&w, &opts, file).await;
    assert_eq!(again.rows[0].outcome, Outcome::Unchanged);
    assert_eq!(accounts(&w).await, 1);
}

#[tokio::test]
async fn accounts_match_by_domain_and_a_domain_of_another_account_is_reported() {
    let w = world().await;
    run(
        &w,
        &options(ImportKind::Accounts, Format::Csv),
        "name,domain\nAcme,acme.test\nGlobex,globex.test\n",
    )
    .await;
    let mut opts = options(ImportKind::Accounts, Format::Csv);
    opts.source = Some("crm".into());
    let report = run(
        &w,
        &opts,
        "external_id,name,domain\nA1,Acme Inc,acme.test\nA2,Merged,globex.test;acme.test\n",
    )
    .await;
    let got = outcomes(&report);
    assert_eq!(got[0], (2, "UPDATE".into()));
    assert!(
        got[1]
            .1
            .starts_with("REFUSED(domain: repeats the domain of line 2"),
        "{got:?}"
    );
    assert_eq!(accounts(&w).await, 2);
}

#[tokio::test]
async fn a_file_that_cannot_be_read_changes_nothing_and_says_why() {
    let w = world().await;
    let err = try_run(
        &w,
        &options(ImportKind::Accounts, Format::Csv),
        "name,domain,Shoe size\nAcme,acme.test,9\n",
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("unknown columns: Shoe size"),
        "{err}"
    );
    let err = try_run(
        &w,
        &options(ImportKind::Accounts, Format::Csv),
        "name,domain\nAcme,acme.test\n\"Broken,x.test\nOther,y.test\n",
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("line 3"), "{err}");
    assert_eq!(accounts(&w).await, 0, "not even the good first row");
}
