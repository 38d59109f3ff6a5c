//! Multi-row writes past the bound-value limits of the databases (SQLite: 32,766 per
//! statement), on SQLite, or on PostgreSQL when `TEST_DATABASE_URL` is set: split into
//! statements that fit, with every new id matched to its own row, and a deferring
//! transaction's history written whole.

use std::time::Duration;

use chrono::{TimeZone as _, Utc};
use rapport_domain::account::{AccountKind, AcquisitionChannel, NewAccount};
use rapport_domain::contact::{ContactDetails, EmailConsent};
use rapport_domain::values::{CustomFields, EmailAddress, ExternalRef, Tags, Text};

use super::{
    AuditQuery, AuditRecord, NewContactRow, OutboxRecord, Store, StoreSettings, test_database_url,
};
use crate::auth::ReadScope;

/// More rows than one statement of contacts (19 bound values each) may carry on SQLite.
const ROWS: usize = 3_000;

#[tokio::test]
async fn a_batch_past_the_bound_value_limit_is_split_and_every_id_is_its_own_rows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::connect(&StoreSettings {
        url: test_database_url(dir.path(), "batch.db").await,
        pool_size: 2,
        busy_timeout: Duration::from_secs(5),
    })
    .await
    .expect("connected");
    store.migrate().await.expect("migrated");
    let now = Utc
        .with_ymd_and_hms(2026, 12, 10, 9, 0, 0)
        .single()
        .expect("time");
    let tx = store.begin().await.expect("tx").defer_history();
    let new = NewAccount::new(
        Text::name("name", "Acme").expect("name"),
        AccountKind::Organization,
        None,
        Vec::new(),
        AcquisitionChannel::Other,
        None,
    )
    .expect("account");
    let account = tx.insert_account(&new, now).await.expect("account").id();
    let details: Vec<ContactDetails> = (0..ROWS)
        .map(|i| ContactDetails {
            first_name: Text::name("first_name", &format!("P{i}")).expect("name"),
            last_name: None,
            email: Some(EmailAddress::parse(&format!("p{i}@acme.test")).expect("email")),
            phones: Vec::new(),
            job_role: None,
            email_consent: EmailConsent::None,
            tags: Tags::parse(&["a", "b", "c", "d", "e", "f"]).expect("tags"),
            custom_fields: CustomFields::default(),
        })
        .collect();
    let externals: Vec<ExternalRef> = (0..ROWS)
        .map(|i| ExternalRef::parse("crm", &format!("C{i}")).expect("ref"))
        .collect();
    let rows: Vec<NewContactRow<'_>> = details
        .iter()
        .zip(&externals)
        .map(|(d, e)| NewContactRow {
            account,
            details: d,
            external: Some(e),
        })
        .collect();
    let made = tx.insert_contacts(&rows, now).await.expect("inserted");
    assert_eq!(made.len(), ROWS);
    for contact in &made {
        let id = contact.id();
        tx.audit(AuditRecord {
            actor: "test".into(),
            action: "importContact",
            entity_type: "Contact",
            entity_id: id.get(),
            before: None,
            after: None,
            request_id: "test".into(),
            at: now,
        })
        .await
        .expect("audit");
        tx.outbox_of_aggregate(
            "Contact",
            id.get(),
            OutboxRecord {
                event_type: "contact.created",
                entity_type: "Contact",
                entity_id: id.get().to_string(),
                payload: serde_json::json!({}),
                at: now,
                event_id: format!("evt_{}", id.get()),
                version: 1,
                actor_kind: "system",
                actor_id: None,
                actor_subject: "test".into(),
                account_id: None,
            },
        )
        .await
        .expect("event");
        tx.enqueue_sync("mailchimp", id, "UPSERT", now)
            .await
            .expect("sync");
    }
    tx.flush_deferred().await.expect("flushed");
    tx.commit().await.expect("committed");

    let ids: Vec<_> = made.iter().map(|c| c.id()).collect();
    let stored = store
        .contacts_by_ids(ReadScope::system(), &ids)
        .await
        .expect("read");
    assert_eq!(stored.len(), ROWS);
    for (i, contact) in made.iter().enumerate() {
        let back = stored
            .iter()
            .find(|c| c.id() == contact.id())
            .expect("stored");
        let email = back.parts().details.as_ref().and_then(|d| d.email.clone());
        assert_eq!(
            email.map(|e| e.as_str().to_owned()),
            Some(format!("p{i}@acme.test")),
            "row {i}'s id names row {i}"
        );
        assert_eq!(back.parts().external.as_ref(), Some(&externals[i]));
        assert_eq!(
            back.parts()
                .details
                .as_ref()
                .map(|d| d.tags.as_slice().len()),
            Some(6)
        );
    }
    let audits = store
        .audit_count(ReadScope::system(), &AuditQuery::default())
        .await
        .expect("audits");
    assert_eq!(audits, ROWS as u64);
    let last = made.last().expect("made").id().get();
    let events = store
        .outbox_events_of("Contact", last)
        .await
        .expect("events");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].account_id, Some(account.get()));
    let (jobs, _) = store.sync_rows_for(&ids[..500]).await.expect("jobs");
    assert_eq!(jobs.len(), 500);
}
