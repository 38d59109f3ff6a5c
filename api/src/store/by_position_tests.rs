//! Rows read by position are the rows read through their sea-orm models: every column in its
//! place, cursors included. On SQLite, or on PostgreSQL when `TEST_DATABASE_URL` is set.

use std::time::Duration;

use chrono::{TimeZone as _, Utc};
use rapport_domain::account::{AccountKind, AcquisitionChannel, NewAccount};
use rapport_domain::contact::{ContactDetails, EmailConsent};
use rapport_domain::role::Role;
use rapport_domain::team::Subject;
use rapport_domain::values::{
    CustomFieldType, CustomFields, EmailAddress, Phone, PhoneNumber, PhoneType, Tags, Text,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::auth::ReadScope;
use crate::store::entity::{account, contact, team_member};
use crate::store::page::fetch_page;
use crate::store::{
    AccountQuery, AccountSort, ContactQuery, ContactSort, NewTeamMember, PageRequest, Sorted,
    Store, StoreSettings,
};

async fn fresh_store(dir: &tempfile::TempDir) -> Store {
    let url = crate::store::test_database_url(dir.path(), "by_position.db").await;
    let store = Store::connect(&StoreSettings {
        url,
        pool_size: 2,
        busy_timeout: Duration::from_secs(5),
    })
    .await
    .expect("connected");
    store.migrate().await.expect("migrated");
    store
}

fn text(raw: &str) -> Text {
    Text::name("field", raw).expect("text")
}

/// Three contacts: one with every optional column set, one with none, and one sharing a last
/// name with the first (so a sort by last name needs its second key).
fn contacts() -> Vec<ContactDetails> {
    let custom = CustomFields::parse([
        ("tier".to_owned(), CustomFieldType::Text, "gold".to_owned()),
        (
            "since".to_owned(),
            CustomFieldType::Date,
            "2024-02-29".to_owned(),
        ),
    ])
    .expect("custom fields");
    let full = ContactDetails {
        first_name: text("Ada"),
        last_name: Some(text("Lovelace")),
        email: Some(EmailAddress::parse("Ada.L@Example.com").expect("email")),
        phones: vec![
            Phone {
                number: PhoneNumber::parse("+447700900123").expect("phone"),
                kind: PhoneType::Work,
            },
            Phone {
                number: PhoneNumber::parse("+447700900001").expect("phone"),
                kind: PhoneType::Mobile,
            },
        ],
        job_role: Some(text("Billing")),
        email_consent: EmailConsent::Pending,
        tags: Tags::parse(&["VIP", "north"]).expect("tags"),
        custom_fields: custom,
    };
    let bare = ContactDetails {
        first_name: text("Grace"),
        last_name: None,
        email: None,
        phones: vec![],
        job_role: None,
        email_consent: EmailConsent::None,
        tags: Tags::default(),
        custom_fields: CustomFields::default(),
    };
    let namesake = ContactDetails {
        first_name: text("Byron"),
        email: Some(EmailAddress::parse("byron@example.org").expect("email")),
        ..full.clone()
    };
    vec![full, bare, namesake]
}

#[tokio::test]
async fn reads_by_position_answer_what_the_models_answer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = fresh_store(&dir).await;
    let at = |h| {
        Utc.with_ymd_and_hms(2026, 12, 1, h, 0, 0)
            .single()
            .expect("a time")
    };
    let tx = store.begin().await.expect("tx");
    let member = tx
        .insert_team_member(
            &NewTeamMember {
                name: text("Grace Hopper"),
                email: EmailAddress::parse("grace@example.com").expect("email"),
                role: Role::AccountManager,
                subject: Subject::parse("staff-1").expect("subject"),
            },
            at(8),
        )
        .await
        .expect("member");
    let new_account = |name| {
        NewAccount::new(
            text(name),
            AccountKind::Organization,
            None,
            vec![],
            AcquisitionChannel::Referral,
            None,
        )
        .expect("account")
    };
    let client = tx
        .insert_account(&new_account("Acme"), at(9))
        .await
        .expect("account")
        .id();
    let customer = tx
        .insert_account(&new_account("Globex"), at(9))
        .await
        .expect("account")
        .id();
    account::Entity::update_many()
        .col_expr(account::Column::Relationship, Expr::value("CLIENT"))
        .col_expr(
            account::Column::AccountManagerId,
            Expr::value(member.id.get()),
        )
        .filter(account::Column::Id.eq(client.get()))
        .exec(&tx.inner)
        .await
        .expect("a client with a manager");
    let mut ids = Vec::new();
    for (hour, (d, account)) in contacts()
        .into_iter()
        .zip([client, customer, client])
        .enumerate()
    {
        let hour = u32::try_from(hour).expect("an hour") + 10;
        ids.push(
            tx.insert_contact(account, &d, at(hour))
                .await
                .expect("contact")
                .id(),
        );
    }
    tx.commit().await.expect("commit");

    let scope = ReadScope::system();
    let db = store.reader();
    let by_model: Vec<_> = contact::Entity::find()
        .order_by_asc(contact::Column::Id)
        .all(db)
        .await
        .expect("contacts")
        .into_iter()
        .map(|m| crate::store::contact_row::to_domain(m).expect("a contact"))
        .collect();
    let accounts_by_model: Vec<_> = account::Entity::find()
        .order_by_asc(account::Column::Id)
        .all(db)
        .await
        .expect("accounts")
        .into_iter()
        .map(|m| crate::store::account_row::to_domain(m, Vec::new()).expect("an account"))
        .collect();
    let manager_by_model = crate::store::team_row::to_domain(
        team_member::Entity::find_by_id(member.id.get())
            .one(db)
            .await
            .expect("member")
            .expect("a member"),
    )
    .expect("a member");

    let mut by_ids = store.contacts_by_ids(scope, &ids).await.expect("by ids");
    by_ids.sort_by_key(|c| c.id());
    assert_eq!(by_ids, by_model, "contacts by id");

    let page = store
        .contacts_page(scope, &ContactQuery::default(), &PageRequest::first(10))
        .await
        .expect("page");
    assert_eq!(page.items, by_model, "a page of contacts");

    let mut joined = store
        .contacts_with_accounts(scope, &ids, true)
        .await
        .expect("joined");
    joined.contacts.sort_by_key(|c| c.id());
    joined.accounts.sort_by_key(|a| a.id());
    assert_eq!(joined.contacts, by_model, "contacts with their accounts");
    assert_eq!(joined.accounts, accounts_by_model, "the contacts' accounts");
    assert_eq!(
        joined.managers,
        vec![manager_by_model],
        "the accounts' manager"
    );

    let mut accounts = store
        .accounts_with_managers(scope, &[client, customer], false)
        .await
        .expect("accounts");
    accounts.accounts.sort_by_key(|a| a.id());
    assert_eq!(accounts.accounts, accounts_by_model, "accounts by id");
    assert!(accounts.managers.is_empty(), "managers only when asked");

    // Cursors: a text key that ties, then a time, read by position and through the models.
    let req = PageRequest {
        order: vec![
            Sorted {
                field: ContactSort::LastName,
                desc: false,
            },
            Sorted {
                field: ContactSort::CreatedAt,
                desc: true,
            },
        ],
        ..PageRequest::first(10)
    };
    let page = store
        .contacts_page(scope, &ContactQuery::default(), &req)
        .await
        .expect("sorted page");
    let models = fetch_page(db, contact::Entity::find(), contact::Column::Id, &req)
        .await
        .expect("sorted models");
    assert_eq!(page.cursors, models.cursors, "contact cursors");
    assert_eq!(
        page.items.iter().map(|c| c.id().get()).collect::<Vec<_>>(),
        models.items.iter().map(|m| m.id).collect::<Vec<_>>(),
        "contacts in order"
    );

    let req = PageRequest {
        order: vec![
            Sorted {
                field: AccountSort::NextDeadline,
                desc: false,
            },
            Sorted {
                field: AccountSort::Name,
                desc: true,
            },
        ],
        ..PageRequest::first(10)
    };
    let page = store
        .accounts_page(scope, &AccountQuery::default(), &req)
        .await
        .expect("accounts page");
    let models = fetch_page(db, account::Entity::find(), account::Column::Id, &req)
        .await
        .expect("account models");
    assert_eq!(page.cursors, models.cursors, "account cursors");
    let mut items = page.items;
    items.sort_by_key(|a| a.id());
    assert_eq!(
        items, accounts_by_model,
        "a page of accounts, without domains"
    );
}
