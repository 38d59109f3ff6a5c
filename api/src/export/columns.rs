//! The columns of each export and who may read them. A column the caller may not read in
//! GraphQL is left out of its export entirely (header and cells), as the fields GraphQL hides:
//! an account's manager (the team) for partners, the partner for those who may not read
//! partners, an agreement's terms, money, consequences and review dates for support agents
//! and partners.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use super::cell::Field;
use super::{ExportKind, View};
use crate::global_id::{self, Kind};
use crate::store::{
    AccountExportRow, AgreementExportRow, ContactExportRow, CreditExportRow, MeasurementExportRow,
    PhoneJson,
};

/// Who may read a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// Whoever may export the kind.
    Any,
    /// Those who may read the team (staff).
    Team,
    /// Those who may read partners (staff, and a partner its own).
    Partners,
    /// Those who may read agreement terms and money.
    Terms,
}

const ACCOUNTS: &[(&str, Need)] = &[
    ("id", Need::Any),
    ("external_source", Need::Any),
    ("external_id", Need::Any),
    ("name", Need::Any),
    ("kind", Need::Any),
    ("domains", Need::Any),
    ("relationship_type", Need::Any),
    ("account_manager_email", Need::Team),
    ("client_since", Need::Any),
    ("status", Need::Any),
    ("partner_id", Need::Partners),
    ("created_at", Need::Any),
    ("updated_at", Need::Any),
];

const CONTACTS: &[(&str, Need)] = &[
    ("id", Need::Any),
    ("external_source", Need::Any),
    ("external_id", Need::Any),
    ("account_id", Need::Any),
    ("first_name", Need::Any),
    ("last_name", Need::Any),
    ("email", Need::Any),
    ("phones", Need::Any),
    ("job_role", Need::Any),
    ("email_consent", Need::Any),
    ("tags", Need::Any),
    ("custom_fields", Need::Any),
    ("erased_at", Need::Any),
    ("created_at", Need::Any),
    ("updated_at", Need::Any),
];

const AGREEMENTS: &[(&str, Need)] = &[
    ("id", Need::Any),
    ("account_id", Need::Any),
    ("status", Need::Any),
    ("revision", Need::Any),
    ("effective_from", Need::Any),
    ("term_end", Need::Terms),
    ("cancel_by", Need::Terms),
    ("next_review_on", Need::Terms),
    ("sections", Need::Any),
    ("created_at", Need::Any),
    ("updated_at", Need::Any),
];

const MEASUREMENTS: &[(&str, Need)] = &[
    ("id", Need::Any),
    ("agreement_id", Need::Any),
    ("metric_key", Need::Any),
    ("period_start", Need::Any),
    ("value", Need::Any),
    ("observed_at", Need::Any),
    ("source", Need::Any),
    ("recorded_by", Need::Team),
    ("recorded_at", Need::Any),
];

const CREDITS: &[(&str, Need)] = &[
    ("id", Need::Any),
    ("agreement_id", Need::Any),
    ("metric_key", Need::Any),
    ("period_start", Need::Any),
    ("amount", Need::Terms),
    ("currency", Need::Terms),
    ("reason", Need::Any),
    ("computed_at", Need::Any),
];

fn spec(kind: ExportKind) -> &'static [(&'static str, Need)] {
    match kind {
        ExportKind::Accounts => ACCOUNTS,
        ExportKind::Contacts => CONTACTS,
        ExportKind::Agreements => AGREEMENTS,
        ExportKind::Measurements => MEASUREMENTS,
        ExportKind::Credits => CREDITS,
    }
}

fn readable(need: Need, view: View) -> bool {
    match need {
        Need::Any => true,
        Need::Team => view.team,
        Need::Partners => view.partners,
        Need::Terms => view.terms,
    }
}

/// The columns of `kind` this caller reads, in order.
pub fn names(kind: ExportKind, view: View) -> Vec<&'static str> {
    spec(kind)
        .iter()
        .filter(|(_, need)| readable(*need, view))
        .map(|(name, _)| *name)
        .collect()
}

/// Keeps the fields of the columns the caller reads (`fields` holds every column of `kind`).
pub fn visible(kind: ExportKind, view: View, fields: Vec<Field>) -> Vec<Field> {
    if spec(kind).iter().all(|(_, need)| readable(*need, view)) {
        return fields;
    }
    fields
        .into_iter()
        .zip(spec(kind))
        .filter(|(_, (_, need))| readable(*need, view))
        .map(|(field, _)| field)
        .collect()
}

fn time(t: DateTime<Utc>) -> Field {
    // As GraphQL's `DateTime` writes it.
    Field::Text(super::time_text::rfc3339(t))
}

fn date(d: NaiveDate) -> Field {
    Field::Text(d.to_string())
}

fn gid(kind: Kind, id: i64) -> Field {
    Field::Text(global_id::encode(kind, id))
}

/// Every column of an account.
pub fn account(r: AccountExportRow) -> Vec<Field> {
    vec![
        gid(Kind::Account, r.id),
        Field::opt(r.external_source),
        Field::opt(r.external_id),
        Field::Text(r.name),
        Field::Text(r.kind),
        Field::List(r.domains),
        Field::Text(r.relationship),
        Field::opt(r.manager_email),
        r.client_since.map_or(Field::Null, time),
        Field::Text(r.status),
        r.partner_id.map_or(Field::Null, |p| gid(Kind::Partner, p)),
        time(r.created_at),
        time(r.updated_at),
    ]
}

/// Every column of a contact; `Err` names a stored JSON column that does not parse.
///
/// Phones and tags are read into borrowed typed values (no `serde_json::Value` tree per row),
/// and an empty list of custom fields, the usual case, is not parsed at all.
pub fn contact(r: ContactExportRow) -> Result<Vec<Field>, String> {
    let invalid =
        |name: &str, e: serde_json::Error| format!("contact {} has invalid {name}: {e}", r.id);
    let phones: Vec<PhoneJson<'_>> =
        serde_json::from_str(&r.phones).map_err(|e| invalid("phones", e))?;
    let phones = phones
        .iter()
        .map(|p| {
            // `mobile:+447000000001`, the type lower-cased as the import reads it.
            let mut cell = String::with_capacity(p.kind.len() + 1 + p.number.len());
            cell.extend(p.kind.chars().flat_map(char::to_lowercase));
            cell.push(':');
            cell.push_str(&p.number);
            cell
        })
        .collect();
    let tags: Vec<Cow<'_, str>> = serde_json::from_str(&r.tags).map_err(|e| invalid("tags", e))?;
    let tags = tags.into_iter().map(Cow::into_owned).collect();
    let custom = if r.custom_fields.trim() == "[]" {
        Value::Array(Vec::new())
    } else {
        serde_json::from_str::<Value>(&r.custom_fields).map_err(|e| invalid("custom_fields", e))?
    };
    Ok(vec![
        gid(Kind::Contact, r.id),
        Field::opt(r.external_source),
        Field::opt(r.external_id),
        gid(Kind::Account, r.account_id),
        Field::Text(r.first_name.unwrap_or_default()),
        Field::opt(r.last_name),
        Field::opt(r.email),
        Field::List(phones),
        Field::opt(r.job_role),
        Field::Text(r.email_consent),
        Field::List(tags),
        Field::Json(custom),
        r.erased_at.map_or(Field::Null, time),
        time(r.created_at),
        time(r.updated_at),
    ])
}

/// Every column of an agreement; the sections keep only what the caller may read (the
/// summary without its fee and the metrics, for those who may not read terms).
pub fn agreement(r: AgreementExportRow, view: View) -> Vec<Field> {
    let a = &r.agreement;
    let mut sections = r.sections;
    if !view.terms
        && let Some(obj) = sections.as_object_mut()
    {
        obj.remove("terms");
        obj.remove("consequences");
        obj.remove("review");
        if let Some(summary) = obj.get_mut("summary").and_then(Value::as_object_mut) {
            summary.remove("fee");
        }
    }
    let revision = a
        .current_revision()
        .map_or(a.latest_revision().number, |rev| rev.number);
    vec![
        gid(Kind::Agreement, a.id().get()),
        gid(Kind::Account, a.account().get()),
        Field::Text(a.status().as_str().to_owned()),
        Field::Int(i64::from(revision)),
        a.sections()
            .summary
            .as_ref()
            .map_or(Field::Null, |s| date(s.effective_from)),
        a.term_end().map_or(Field::Null, date),
        a.cancel_by().map_or(Field::Null, date),
        a.next_review_on().map_or(Field::Null, date),
        Field::Json(sections),
        time(a.parts().created_at),
        time(a.parts().updated_at),
    ]
}

/// Every column of a measurement.
pub fn measurement(r: MeasurementExportRow) -> Vec<Field> {
    vec![
        Field::Int(r.id),
        gid(Kind::Agreement, r.agreement_id),
        Field::Text(r.metric_key),
        date(r.period_start),
        Field::Text(r.value),
        time(r.observed_at),
        Field::Text(r.source),
        Field::Text(r.recorded_by),
        time(r.recorded_at),
    ]
}

/// Every column of a service credit.
pub fn credit(r: CreditExportRow) -> Vec<Field> {
    vec![
        Field::Int(r.id),
        gid(Kind::Agreement, r.agreement_id),
        Field::Text(r.metric_key),
        date(r.period_start),
        Field::Text(r.amount),
        Field::Text(r.currency),
        Field::Text(r.reason),
        time(r.computed_at),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(phones: &str, tags: &str, custom: &str) -> ContactExportRow {
        let at = DateTime::parse_from_rfc3339("2026-12-07T12:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        ContactExportRow {
            id: 7,
            external_source: None,
            external_id: None,
            account_id: 3,
            first_name: Some("Ada".into()),
            last_name: None,
            email: None,
            phones: phones.into(),
            job_role: None,
            email_consent: "NONE".into(),
            tags: tags.into(),
            custom_fields: custom.into(),
            erased_at: None,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn a_contacts_stored_json_columns_become_its_phones_tags_and_custom_fields() {
        let fields = contact(row(
            r#"[{"number":"+447000000001","type":"MOBILE"},{"number":"+3312","type":"WORK"}]"#,
            r#"["vip","=cmd"]"#,
            r#"[{"key":"tier","type":"TEXT","value":"gold"}]"#,
        ))
        .expect("reads");
        assert_eq!(
            fields[7],
            Field::List(vec!["mobile:+447000000001".into(), "work:+3312".into()])
        );
        assert_eq!(fields[10], Field::List(vec!["vip".into(), "=cmd".into()]));
        assert_eq!(
            fields[11],
            Field::Json(serde_json::json!([{"key":"tier","type":"TEXT","value":"gold"}]))
        );
        let empty = contact(row("[]", "[]", " [] ")).expect("reads");
        assert_eq!(empty[7], Field::List(vec![]));
        assert_eq!(empty[11], Field::Json(serde_json::json!([])));
    }

    #[test]
    fn a_stored_json_column_that_does_not_parse_is_named() {
        for (phones, tags, custom, column) in [
            ("not json", "[]", "[]", "phones"),
            ("[]", "[1]", "[]", "tags"),
            ("[]", "[]", "{", "custom_fields"),
        ] {
            let err = contact(row(phones, tags, custom)).expect_err("refused");
            assert!(
                err.contains(&format!("contact 7 has invalid {column}")),
                "{err}"
            );
        }
    }
}
