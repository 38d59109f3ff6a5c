//! The mixed workload: agreements with items due today (for the scheduler), contacts (for the
//! sync providers), renames, and reads, round-robin over the fleet. Every acknowledged write is
//! remembered with what a read must show afterwards.

use std::sync::Mutex;

use chrono::{Days, Months, NaiveDate, Utc};
use futures_util::StreamExt as _;
use serde_json::{Value, json};

use crate::client::Fleet;

/// Contacts in flight at once.
pub const CONCURRENCY: usize = 6;

/// An acknowledged write and what a read must find.
#[derive(Debug, Clone)]
pub struct Ack {
    /// The global id written.
    pub id: String,
    /// The field a read checks (`firstName`, `name`, `id`).
    pub field: &'static str,
    /// The value.
    pub value: String,
}

/// What the workload remembers.
#[derive(Default)]
pub struct Ledger {
    /// Acknowledged writes, in answer order (a later one of the same id wins).
    pub acks: Mutex<Vec<Ack>>,
    /// Contacts acknowledged: (global id, email, phone number without `+`).
    pub contacts: Mutex<Vec<(String, String, u64)>>,
    /// Agreements made ACTIVE with a review due today and a notice deadline close.
    pub agreements: Mutex<Vec<String>>,
}

impl Ledger {
    fn ack(&self, id: &str, field: &'static str, value: &str) {
        lock(&self.acks).push(Ack {
            id: id.to_owned(),
            field,
            value: value.to_owned(),
        });
    }
}

/// Locks a mutex, whatever a panicking holder left.
pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The people who act.
pub struct Actors {
    /// The bootstrap admin's token.
    pub admin: String,
    /// A second admin, who approves (four-eyes).
    pub approver: String,
    /// The account manager's team-member id.
    pub manager: String,
    /// The customer account contacts are created on.
    pub account: String,
}

/// Sections of an agreement whose review is due today (started three months ago, reviewed
/// every three months) and whose `cancelBy` is a week away (ends in 37 days, 30 days' notice).
pub fn due_sections(today: NaiveDate) -> Value {
    let from = today.checked_sub_months(Months::new(3)).expect("a date");
    let until = today + Days::new(37);
    json!({
        "summary": {"title": "Fleet retainer", "purpose": "Support", "effectiveFrom": from.to_string(),
            "effectiveUntil": until.to_string(), "fee": {"amount": "1000.00", "currency": "EUR"}, "billingCadence": "MONTHLY"},
        "terms": {"clauses": [{"heading": "Scope", "body": "Helpdesk"}]},
        "performance": {"metrics": [{"key": "uptime", "name": "Uptime", "kind": "UPTIME", "unit": "PERCENT",
            "comparator": "AT_LEAST", "target": "99.5", "period": "MONTHLY", "calculation": "AVERAGE"}]},
        "consequences": [{"metricKey": "uptime", "kind": "SERVICE_CREDIT", "creditPercent": "5"}],
        "reviewAndTermination": {"reviewEveryMonths": 3, "autoRenew": false, "noticePeriodDays": 30}
    })
}

/// A client account with an ACTIVE agreement that has items due, each step on the next
/// server. Returns silently when a step is not acknowledged (a server died under it).
pub async fn agreement(fleet: &Fleet, actors: &Actors, ledger: &Ledger, name: &str) {
    let Some(account) = fleet
        .write(
            &actors.admin,
            "mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id } } }",
            json!({"input": {"name": name, "kind": "ORGANIZATION", "acquisitionChannel": "DIRECT"}}),
        )
        .await
    else {
        return;
    };
    let account = account.text("/createAccount/account/id");
    ledger.ack(&account, "name", name);
    if fleet
        .write(
            &actors.admin,
            "mutation($input: PromoteToClientInput!) { promoteToClient(input: $input) { account { id } } }",
            json!({"input": {"accountId": account, "accountManagerId": actors.manager, "reason": "signed a retainer", "expectedVersion": 1}}),
        )
        .await
        .is_none()
    {
        return;
    }
    let Some(draft) = fleet
        .write(
            &actors.admin,
            "mutation($input: CreateAgreementDraftInput!) { createAgreementDraft(input: $input) { agreement { id } } }",
            json!({"input": {"accountId": account, "sections": due_sections(Utc::now().date_naive())}}),
        )
        .await
    else {
        return;
    };
    let id = draft.text("/createAgreementDraft/agreement/id");
    let action = |mutation: &'static str, version: i64| {
        json!({"query": format!("mutation($input: AgreementActionInput!) {{ action: {mutation}(input: $input) {{ agreement {{ status }} }} }}"),
            "variables": {"input": {"agreementId": id, "expectedVersion": version, "reason": "as agreed"}}})
    };
    let submit = action("submitAgreement", 1);
    if fleet
        .write(&actors.admin, q(&submit), submit["variables"].clone())
        .await
        .is_none()
    {
        return;
    }
    let approve = action("approveAgreement", 2);
    if let Some(approved) = fleet
        .write(&actors.approver, q(&approve), approve["variables"].clone())
        .await
    {
        assert_eq!(approved.text("/action/agreement/status"), "ACTIVE");
        ledger.ack(&id, "id", &id);
        lock(&ledger.agreements).push(id);
    }
}

fn q(request: &Value) -> &str {
    request["query"].as_str().unwrap_or_default()
}

/// Creates contacts `range` (each enqueues one sync job per provider), with a read between
/// writes, `CONCURRENCY` at a time.
pub async fn contacts(
    fleet: &Fleet,
    actors: &Actors,
    ledger: &Ledger,
    run: &str,
    range: std::ops::Range<u64>,
) {
    futures_util::stream::iter(range)
        .for_each_concurrent(CONCURRENCY, |n| async move {
            let email = format!("fleet{n}.{run}@fleet.test");
            let number = 33_620_000_000 + n;
            let first_name = format!("Fleet{n}");
            let created = fleet
                .write(
                    &actors.admin,
                    "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }",
                    json!({"input": {"accountId": actors.account, "firstName": first_name, "lastName": "Member",
                        "email": email, "emailConsent": "SUBSCRIBED",
                        "phones": [{"number": format!("+{number}"), "type": "MOBILE"}]}}),
                )
                .await;
            if let Some(created) = created {
                let id = created.text("/createContact/contact/id");
                ledger.ack(&id, "firstName", &first_name);
                lock(&ledger.contacts).push((id, email, number));
            }
            fleet
                .read(
                    &actors.admin,
                    "{ contacts(first: 5) { nodes { id firstName } } }",
                    json!({}),
                )
                .await;
        })
        .await;
}

/// Renames contacts (version 1, as created), `CONCURRENCY` at a time.
pub async fn renames(fleet: &Fleet, actors: &Actors, ledger: &Ledger, ids: Vec<String>) {
    futures_util::stream::iter(ids)
        .for_each_concurrent(CONCURRENCY, |id| async move {
            let name = format!("Renamed{}", &id[id.len().saturating_sub(6)..]);
            if fleet
                .write(
                    &actors.admin,
                    "mutation($id: ID!, $name: String!) { updateContact(input: {contactId: $id, expectedVersion: 1, firstName: $name}) { contact { version } } }",
                    json!({"id": id, "name": name}),
                )
                .await
                .is_some()
            {
                ledger.ack(&id, "firstName", &name);
            }
        })
        .await;
}

/// Reads every acknowledged write back (on the servers left) and answers those whose value
/// is missing or different.
pub async fn missing_acks(fleet: &Fleet, admin: &str, ledger: &Ledger) -> Vec<String> {
    let acks = lock(&ledger.acks).clone();
    let mut latest: std::collections::BTreeMap<String, Ack> = std::collections::BTreeMap::new();
    for ack in acks {
        latest.insert(format!("{}/{}", ack.id, ack.field), ack);
    }
    let mut missing = Vec::new();
    for ack in latest.values() {
        let got = fleet
            .read(
                admin,
                "query($id: ID!) { node(id: $id) { id ... on Contact { firstName } ... on Account { name } } }",
                json!({"id": ack.id}),
            )
            .await;
        let value = got
            .body
            .pointer(&format!("/data/node/{}", ack.field))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if value != ack.value {
            missing.push(format!(
                "{} {}: wanted {:?}, read {:?}",
                ack.id, ack.field, ack.value, value
            ));
        }
    }
    missing
}
