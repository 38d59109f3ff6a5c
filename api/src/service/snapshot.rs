//! JSON snapshots of entities for the audit log's before/after columns.

use rapport_domain::account::Account;
use rapport_domain::contact::Contact;
use rapport_domain::partner::Partner;
use rapport_domain::team::TeamMember;
use serde_json::{Value, json};

pub(crate) fn account(a: &Account) -> Value {
    let p = a.parts();
    json!({
        "name": p.name.as_str(),
        "kind": p.kind.as_str(),
        "relationshipType": p.relationship.as_str(),
        "accountManagerId": p.account_manager.map(|m| m.get()),
        "parentId": p.parent.map(|m| m.get()),
        "domains": p.domains.iter().map(|d| d.domain.as_str()).collect::<Vec<_>>(),
        "confirmedDomains": p.domains.iter().filter(|d| d.confirmed).map(|d| d.domain.as_str()).collect::<Vec<_>>(),
        "acquisitionChannel": p.acquisition_channel.as_str(),
        "partnerId": p.partner.map(|m| m.get()),
        "status": p.status.as_str(),
        "version": p.version,
    })
}

pub(crate) fn contact(c: &Contact) -> Value {
    let p = c.parts();
    match &p.details {
        None => json!({"accountId": p.account.get(), "erased": true, "version": p.version}),
        Some(d) => json!({
            "accountId": p.account.get(),
            "firstName": d.first_name.as_str(),
            "lastName": d.last_name.as_ref().map(|t| t.as_str()),
            "email": d.email.as_ref().map(|e| e.as_str()),
            "phones": d.phones.iter().map(|ph| json!({"number": ph.number.as_str(), "type": ph.kind.as_str()})).collect::<Vec<_>>(),
            "jobRole": d.job_role.as_ref().map(|t| t.as_str()),
            "emailConsent": d.email_consent.as_str(),
            "tags": d.tags.as_slice(),
            "customFields": d.custom_fields.as_slice().iter().map(|f| json!({"key": f.key(), "type": f.kind().as_str(), "value": f.value()})).collect::<Vec<_>>(),
            "version": p.version,
        }),
    }
}

pub(crate) fn team_member(m: &TeamMember) -> Value {
    json!({
        "subject": m.subject.as_str(),
        "name": m.name.as_str(),
        "email": m.email.as_str(),
        "role": m.role.as_str(),
        "active": m.active,
        "version": m.version,
    })
}

pub(crate) fn partner(p: &Partner) -> Value {
    json!({"name": p.name.as_str(), "active": p.active, "version": p.version})
}
