//! The bulk path writes exactly the rows `Tx::insert_contact` writes. On SQLite, or on
//! PostgreSQL when `TEST_DATABASE_URL` is set.

use std::time::Duration;

use chrono::{TimeZone as _, Utc};
use rapport_domain::account::{AccountKind, AcquisitionChannel, NewAccount};
use rapport_domain::contact::{ContactDetails, EmailConsent};
use rapport_domain::values::{
    CustomFieldType, CustomFields, EmailAddress, Phone, PhoneNumber, PhoneType, Tags, Text,
};
use sea_orm::{EntityTrait, QueryOrder};

use crate::store::entity::{contact, contact_phone, contact_tag, sync_job};
use crate::store::{Store, StoreSettings};

async fn fresh_store(dir: &tempfile::TempDir, file: &str) -> Store {
    let url = crate::store::test_database_url(dir.path(), file).await;
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
    Text::parse("field", raw, 200, false).expect("text")
}

/// Two contacts using every column the store derives: mixed-case names and email, two
/// phones given out of order, repeated tags in two cases, a custom field, a job role.
fn details() -> Vec<ContactDetails> {
    let phone = |n: &str, kind| Phone {
        number: PhoneNumber::parse(n).expect("phone"),
        kind,
    };
    let custom =
        CustomFields::parse([("tier".to_owned(), CustomFieldType::Text, "gold".to_owned())])
            .expect("custom fields");
    vec![
        ContactDetails {
            first_name: text("Ada"),
            last_name: Some(text("Lovelace")),
            email: Some(EmailAddress::parse("Ada.L@Example.com").expect("email")),
            phones: vec![
                phone("+447700900123", PhoneType::Work),
                phone("+447700900001", PhoneType::Mobile),
            ],
            job_role: Some(text("Billing")),
            email_consent: EmailConsent::Pending,
            tags: Tags::parse(&["VIP", "vip", "north"]).expect("tags"),
            custom_fields: custom,
        },
        ContactDetails {
            first_name: text("Grace"),
            last_name: None,
            email: Some(EmailAddress::parse("grace@example.org").expect("email")),
            phones: vec![],
            job_role: None,
            email_consent: EmailConsent::Subscribed,
            tags: Tags::parse::<&str>(&[]).expect("tags"),
            custom_fields: CustomFields::default(),
        },
    ]
}

async fn rows(
    store: &Store,
) -> (
    Vec<contact::Model>,
    Vec<contact_phone::Model>,
    Vec<contact_tag::Model>,
    Vec<(String, i64, String, String)>,
) {
    let db = store.reader();
    let contacts = contact::Entity::find()
        .order_by_asc(contact::Column::Id)
        .all(db)
        .await
        .expect("contacts");
    let phones = contact_phone::Entity::find()
        .order_by_asc(contact_phone::Column::ContactId)
        .order_by_asc(contact_phone::Column::Number)
        .all(db)
        .await
        .expect("phones");
    let tags = contact_tag::Entity::find()
        .order_by_asc(contact_tag::Column::ContactId)
        .order_by_asc(contact_tag::Column::TagKey)
        .all(db)
        .await
        .expect("tags");
    let jobs = sync_job::Entity::find()
        .order_by_asc(sync_job::Column::Id)
        .all(db)
        .await
        .expect("jobs")
        .into_iter()
        .map(|j| (j.provider, j.contact_id, j.kind, j.state))
        .collect();
    (contacts, phones, tags, jobs)
}

#[tokio::test]
async fn bulk_inserted_contacts_are_the_rows_insert_contact_writes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let now = Utc
        .with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
        .single()
        .expect("a time");
    let account = NewAccount::new(
        text("Acme"),
        AccountKind::Organization,
        None,
        vec![],
        AcquisitionChannel::Direct,
        None,
    )
    .expect("account");
    let providers = vec!["mailchimp".to_owned()];

    let one_by_one = fresh_store(&dir, "a.db").await;
    let tx = one_by_one.begin().await.expect("tx");
    let id = tx
        .insert_account(&account, now)
        .await
        .expect("account")
        .id();
    for d in details() {
        let c = tx.insert_contact(id, &d, now).await.expect("contact");
        tx.enqueue_sync("mailchimp", c.id(), "UPSERT", now)
            .await
            .expect("job");
    }
    tx.commit().await.expect("commit");

    let bulk = fresh_store(&dir, "b.db").await;
    let tx = bulk.begin().await.expect("tx");
    let id = tx
        .insert_account(&account, now)
        .await
        .expect("account")
        .id();
    let batch: Vec<_> = details().into_iter().map(|d| (id, d)).collect();
    let ids = tx
        .insert_new_contacts(&batch, &providers, now)
        .await
        .expect("bulk insert");
    tx.commit().await.expect("commit");

    let expected = rows(&one_by_one).await;
    assert_eq!(expected.0.len(), 2);
    assert_eq!(
        ids.iter().map(|i| i.get()).collect::<Vec<_>>(),
        expected.0.iter().map(|c| c.id).collect::<Vec<_>>(),
        "ids come back in input order"
    );
    assert_eq!(rows(&bulk).await, expected);
}
