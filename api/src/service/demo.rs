//! `rapport demo-data`: fills an empty database with made-up accounts and contacts (for trying
//! the API, and for load runs such as the sync benchmark). Every contact change is queued for
//! the enabled providers, as a real change would be.

use chrono::{DateTime, Utc};
use rapport_domain::account::{AccountKind, AcquisitionChannel, NewAccount};
use rapport_domain::contact::{ContactDetails, EmailConsent};
use rapport_domain::values::{EmailAddress, Phone, PhoneNumber, PhoneType, Tags, Text};

use crate::auth::ReadScope;
use crate::error::ApiError;
use crate::store::{AuditRecord, Grown, Store};

/// Contacts written per transaction.
const CHUNK: usize = 1_000;

/// What [`seed_demo_data`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoReport {
    /// Accounts created.
    pub accounts: usize,
    /// Contacts created.
    pub contacts: usize,
    /// Sync jobs queued (contacts × enabled providers).
    pub jobs: usize,
}

fn text(field: &str, raw: &str) -> Result<Text, ApiError> {
    Ok(Text::parse(field, raw, 200, false)?)
}

/// Creates `accounts` accounts and `contacts` contacts spread over them (`demo-N@…` emails on
/// `example.com` subdomains, one mobile number each, a quarter with consent pending confirmation), queuing
/// a sync of each to every provider in `providers`. Writes in transactions of 1,000 contacts,
/// each a handful of multi-row statements (time grows with the rows, not faster), with one
/// audit row each, calling `progress` with the contacts written so far. Refused when
/// the database already has contacts, so real data is never mixed with made-up data.
pub async fn seed_demo_data(
    store: &Store,
    providers: &[String],
    accounts: usize,
    contacts: usize,
    now: DateTime<Utc>,
    mut progress: impl FnMut(usize),
) -> Result<DemoReport, ApiError> {
    if accounts == 0 {
        return Err(ApiError::bad_input("accounts", "must be at least 1"));
    }
    if store
        .contacts_count(ReadScope::system(), &Default::default())
        .await?
        > 0
    {
        return Err(ApiError::bad_input(
            "database",
            "already has contacts: demo data goes into an empty database only",
        ));
    }
    let tx = store.begin().await?;
    let mut account_ids = Vec::with_capacity(accounts);
    for n in 0..accounts {
        let new = NewAccount::new(
            text("name", &format!("Demo Company {n}"))?,
            AccountKind::Organization,
            None,
            vec![],
            AcquisitionChannel::Direct,
            None,
        )?;
        account_ids.push(tx.insert_account(&new, now).await?.id());
    }
    tx.commit().await?;
    let mut report = DemoReport {
        accounts,
        ..DemoReport::default()
    };
    let mut next = 0;
    while next < contacts {
        let end = (next + CHUNK).min(contacts);
        let batch = (next..end)
            .map(|n| Ok((account_ids[n % accounts], demo_contact(n, accounts)?)))
            .collect::<Result<Vec<_>, ApiError>>()?;
        let tx = store.begin().await?;
        tx.insert_new_contacts(&batch, providers, now).await?;
        report.jobs += batch.len() * providers.len();
        tx.audit(AuditRecord {
            actor: "demo-data".to_owned(),
            action: "demoData",
            entity_type: "Contact",
            entity_id: 0,
            before: None,
            after: Some(serde_json::json!({"contacts": end - next})),
            request_id: "demo-data".to_owned(),
            at: now,
        })
        .await?;
        tx.commit().await?;
        report.contacts = end;
        progress(end);
        next = end;
    }
    // The planner learns the new sizes now rather than whenever autovacuum next looks (or
    // never, where it is off): the first requests on the filled database use its indexes.
    // Only a speed-up: the data is written whether or not it can be done.
    for table in [Grown::Accounts, Grown::Contacts] {
        if let Err(err) = store.refresh_statistics(table).await {
            tracing::warn!(error = %err, ?table, "could not refresh the planner's statistics after demo data");
        }
    }
    Ok(report)
}

/// The `n`th demo contact: a function of `n` and the account count only, so the same
/// arguments give the same rows on every database.
fn demo_contact(n: usize, accounts: usize) -> Result<ContactDetails, ApiError> {
    let email = EmailAddress::parse(&format!("demo-{n}@c{}.example.com", n % accounts))?;
    Ok(ContactDetails {
        first_name: text("firstName", &format!("Demo{n}"))?,
        last_name: Some(text("lastName", "Contact")?),
        email: Some(email),
        phones: vec![Phone {
            number: PhoneNumber::parse(&format!("+4470{:08}", n % 100_000_000))?,
            kind: PhoneType::Mobile,
        }],
        job_role: None,
        email_consent: if n % 4 == 3 {
            EmailConsent::Pending
        } else {
            EmailConsent::Subscribed
        },
        tags: Tags::parse(&["demo"])?,
        custom_fields: Default::default(),
    }
    .check()?)
}
