//! The store itself keeps a partner's reads to its rows: given one partner's scope, every read
//! that takes a `ReadScope` answers none of the other partner's rows nor of nobody's, whatever
//! ids it is asked for — the loaders behind `node`, `nodes` and every nested field read this
//! way — while staff's scope answers them all.

use std::collections::BTreeSet;

use chrono::{Duration, NaiveDate, Utc};
use rapport_api::auth::ReadScope;
use rapport_api::global_id::{self, Kind};
use rapport_api::store::{
    AccountQuery, AgreementQuery, AuditQuery, ContactQuery, CreditQuery, InteractionPage,
    InteractionQuery, PageRequest, Store, TeamQuery,
};
use rapport_domain::ids::{AccountId, AgreementId, ContactId, PartnerId, TeamMemberId};
use rapport_domain::permissions::Principal;
use rapport_domain::role::Role;
use rapport_tests::spawn_app;

use super::fixture::two_partners;

/// Raw ids by kind.
#[derive(Debug, Default)]
struct Rows {
    accounts: Vec<AccountId>,
    contacts: Vec<ContactId>,
    agreements: Vec<AgreementId>,
    interactions: Vec<i64>,
    partners: Vec<PartnerId>,
    team: Vec<TeamMemberId>,
}

fn rows<'a>(ids: impl IntoIterator<Item = &'a String>) -> Rows {
    let mut out = Rows::default();
    for id in ids {
        match global_id::decode_any(id).expect("a global id") {
            (Kind::Account, raw) => out.accounts.push(AccountId::new(raw)),
            (Kind::Contact, raw) => out.contacts.push(ContactId::new(raw)),
            (Kind::Agreement, raw) => out.agreements.push(AgreementId::new(raw)),
            (Kind::Interaction, raw) => out.interactions.push(raw),
            (Kind::Partner, raw) => out.partners.push(PartnerId::new(raw)),
            (Kind::TeamMember, raw) => out.team.push(TeamMemberId::new(raw)),
            (
                Kind::AuditEntry
                | Kind::Notification
                | Kind::WebhookEndpoint
                | Kind::WebhookDelivery
                | Kind::ServiceAccount
                | Kind::ApiKey
                | Kind::ImportJob,
                _,
            ) => {}
        }
    }
    out
}

fn page<F>() -> PageRequest<F> {
    PageRequest::first(100)
}

/// How many rows each scoped read answers for `asked` (the lists: how many of `asked` they
/// hold), in one comparable line per read.
async fn answered(store: &Store, scope: ReadScope, asked: &Rows) -> Vec<(&'static str, usize)> {
    let far = Utc::now() + Duration::days(3650);
    let long_ago = Utc::now() - Duration::days(3650);
    let of =
        |listed: Vec<i64>, wanted: &[i64]| listed.iter().filter(|i| wanted.contains(i)).count();
    let accounts: Vec<i64> = asked.accounts.iter().map(|a| a.get()).collect();
    let contacts: Vec<i64> = asked.contacts.iter().map(|c| c.get()).collect();
    let agreements: Vec<i64> = asked.agreements.iter().map(|a| a.get()).collect();
    let year = chrono::Datelike::year(&Utc::now());
    let periods: Vec<NaiveDate> = (year - 1..=year + 1)
        .flat_map(|y| (1..=12).filter_map(move |m| NaiveDate::from_ymd_opt(y, m, 1)))
        .collect();
    let mut histories = 0;
    for (_, changes) in store
        .relationship_histories(scope, &asked.accounts)
        .await
        .expect("histories")
    {
        histories += changes.len();
    }
    let mut credits = 0;
    for a in &asked.agreements {
        credits += store
            .credits_page(scope, &CreditQuery::of_agreement(*a), &page())
            .await
            .expect("credits")
            .items
            .len();
        credits += usize::try_from(
            store
                .credits_count(scope, &CreditQuery::of_agreement(*a))
                .await
                .expect("count"),
        )
        .unwrap_or(0);
    }
    let mut interaction_pages = 0;
    for (_, p) in store
        .interaction_pages(scope, &asked.contacts, InteractionPage::newest(100))
        .await
        .expect("pages")
    {
        interaction_pages += p.items.len();
    }
    let mut interaction_counts = 0;
    for c in &asked.contacts {
        interaction_counts += store
            .interactions_count(scope, &InteractionQuery { contact: *c })
            .await
            .expect("count");
    }
    vec![
        (
            "accounts_by_ids",
            store
                .accounts_by_ids(scope, &asked.accounts)
                .await
                .expect("read")
                .len(),
        ),
        (
            "accounts_page",
            of(
                store
                    .accounts_page(scope, &AccountQuery::default(), &page())
                    .await
                    .expect("read")
                    .items
                    .iter()
                    .map(|a| a.id().get())
                    .collect(),
                &accounts,
            ),
        ),
        (
            "contacts_by_ids",
            store
                .contacts_by_ids(scope, &asked.contacts)
                .await
                .expect("read")
                .len(),
        ),
        (
            "contacts_page",
            of(
                store
                    .contacts_page(scope, &ContactQuery::default(), &page())
                    .await
                    .expect("read")
                    .items
                    .iter()
                    .map(|c| c.id().get())
                    .collect(),
                &contacts,
            ),
        ),
        (
            "agreements_by_ids",
            store
                .agreements_by_ids(scope, &asked.agreements)
                .await
                .expect("read")
                .len(),
        ),
        (
            "agreements_page_with_accounts",
            of(
                store
                    .agreements_page_with_accounts(scope, &AgreementQuery::default(), &page(), true)
                    .await
                    .expect("read")
                    .0
                    .items
                    .iter()
                    .map(|a| a.id().get())
                    .collect(),
                &agreements,
            ),
        ),
        ("relationship_histories", histories),
        (
            "measurements_of_many",
            store
                .measurements_of_many(scope, &asked.agreements, long_ago, far)
                .await
                .expect("read")
                .len(),
        ),
        (
            "credits_for_periods",
            store
                .credits_for_periods(scope, &asked.agreements, &periods)
                .await
                .expect("read")
                .len(),
        ),
        ("credits_page and credits_count", credits),
        (
            "interactions_by_ids",
            store
                .interactions_by_ids(scope, &asked.interactions)
                .await
                .expect("read")
                .len(),
        ),
        ("interaction_pages", interaction_pages),
        (
            "interactions_count",
            usize::try_from(interaction_counts).unwrap_or(0),
        ),
        (
            "partners_by_ids",
            store
                .partners_by_ids(scope, &asked.partners)
                .await
                .expect("read")
                .len(),
        ),
        (
            "team_members_by_ids",
            store
                .team_members_by_ids(scope, &asked.team)
                .await
                .expect("read")
                .len(),
        ),
        (
            "team_members_page",
            store
                .team_members_page(scope, TeamQuery::default(), &page())
                .await
                .expect("read")
                .items
                .len(),
        ),
        (
            "audit_page",
            store
                .audit_page(scope, &AuditQuery::default(), &page())
                .await
                .expect("read")
                .items
                .len(),
        ),
    ]
}

#[tokio::test]
async fn a_partners_scope_reads_none_of_anyone_elses_rows_from_the_store() {
    let app = spawn_app().await;
    let world = two_partners(&app).await;
    let admin = rows(&world.staff_ids)
        .team
        .first()
        .copied()
        .expect("a team member");
    let staff = ReadScope::of(&Principal::Staff {
        member: admin,
        role: Role::Admin,
    });
    for (i, side) in world.sides.iter().enumerate() {
        let own = rows(&side.own);
        let partner = ReadScope::of(&Principal::Partner {
            partner: own.partners[0],
            scopes: rapport_domain::permissions::Scopes::ALL,
        });
        let others: BTreeSet<&String> = world.sides[1 - i]
            .own
            .iter()
            .chain(&world.staff_ids)
            .collect();
        let foreign = rows(others);

        let none = answered(&app.store, partner, &foreign).await;
        for (read, n) in &none {
            assert_eq!(
                *n, 0,
                "{read} in {}'s scope answered another's rows",
                side.name
            );
        }
        // Not vacuous: the same reads answer the partner its own rows, and staff everything.
        let mine = answered(&app.store, partner, &own).await;
        let everything = answered(&app.store, staff, &foreign).await;
        for ((read, n), (_, all)) in mine.iter().zip(&everything) {
            let staff_only =
                ["team_members_by_ids", "team_members_page", "audit_page"].contains(read);
            if !staff_only {
                assert!(*n > 0, "{read} answered {} none of its own rows", side.name);
            }
            assert!(*all > 0, "{read} answered staff nothing");
        }
    }
}
