//! Ringover's contact payloads, as far as this crate reads or writes them.
//!
//! Reading is tolerant: unknown fields are ignored, ids and numbers are accepted as JSON numbers
//! or strings, and missing text is empty.

use rapport_domain::values::PhoneType;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// A number as Ringover stores it: the E.164 digits without `+`, as a JSON integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub(crate) struct NumberOut {
    pub(crate) number: u64,
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
}

/// Ringover's number types: home, office, mobile, fax, other.
pub(crate) const fn number_type(kind: PhoneType) -> &'static str {
    match kind {
        PhoneType::Mobile => "mobile",
        PhoneType::Work => "office",
        PhoneType::Home => "home",
        PhoneType::Fax => "fax",
        PhoneType::Other => "other",
    }
}

/// The fields `PUT /contacts/{id}` takes; absent text is sent empty so a cleared field clears.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ContactFields {
    pub(crate) firstname: String,
    pub(crate) lastname: String,
    pub(crate) company: String,
    pub(crate) is_shared: bool,
}

/// One contact of `POST /contacts`.
#[derive(Debug, Serialize)]
pub(crate) struct NewContact<'a> {
    #[serde(flatten)]
    pub(crate) fields: &'a ContactFields,
    pub(crate) numbers: &'a [NumberOut],
}

/// `POST /contacts` creating contacts.
#[derive(Debug, Serialize)]
pub(crate) struct CreateContacts<'a> {
    pub(crate) contacts: [NewContact<'a>; 1],
}

/// `POST /contacts` with a filter: a search.
#[derive(Debug, Serialize)]
pub(crate) struct Search<'a> {
    pub(crate) search: &'a str,
    pub(crate) limit_count: u32,
    pub(crate) limit_offset: u32,
}

/// `POST /contacts/{id}/numbers`.
#[derive(Debug, Serialize)]
pub(crate) struct AddNumbers<'a> {
    pub(crate) numbers: &'a [NumberOut],
}

/// A contact as Ringover answers it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct RemoteContact {
    #[serde(deserialize_with = "id_text")]
    pub(crate) contact_id: String,
    #[serde(default, deserialize_with = "text")]
    pub(crate) firstname: String,
    #[serde(default, deserialize_with = "text")]
    pub(crate) lastname: String,
    #[serde(default, deserialize_with = "text")]
    pub(crate) company: String,
    #[serde(default, deserialize_with = "flag")]
    pub(crate) is_shared: Option<bool>,
    #[serde(default, deserialize_with = "numbers")]
    pub(crate) numbers: Vec<u64>,
}

impl RemoteContact {
    /// Whether its editable fields already hold `fields` (an absent `is_shared` counts as equal:
    /// nothing to correct that we can see).
    pub(crate) fn has(&self, fields: &ContactFields) -> bool {
        self.firstname.trim() == fields.firstname
            && self.lastname.trim() == fields.lastname
            && self.company.trim() == fields.company
            && self
                .is_shared
                .is_none_or(|shared| shared == fields.is_shared)
    }
}

/// A list of contacts (`contact_list`); absent or `null` when nothing matched.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ContactList {
    #[serde(default, deserialize_with = "nullable_list")]
    pub(crate) contact_list: Vec<RemoteContact>,
}

/// The id in the answer to a create, wherever this API version puts it: at the top, or in the
/// first element of `contact_list` or `contacts`.
pub(crate) fn created_id(answer: &Value) -> Option<String> {
    let first_of = |key: &str| {
        answer
            .get(key)
            .and_then(Value::as_array)
            .and_then(|list| list.first())
            .and_then(|c| c.get("contact_id"))
    };
    [
        answer.get("contact_id"),
        first_of("contact_list"),
        first_of("contacts"),
    ]
    .into_iter()
    .flatten()
    .find_map(id_of)
}

fn id_of(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => n.as_u64().map(|n| n.to_string()),
        Value::String(s) if is_id(s) => Some(s.clone()),
        _ => None,
    }
}

/// Whether `id` can be a Ringover contact id: digits only, so it is safe in a URL path.
pub(crate) fn is_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit())
}

fn id_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let value = Value::deserialize(d)?;
    id_of(&value).ok_or_else(|| serde::de::Error::custom("contact_id is not a numeric id"))
}

fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => Some(b),
        Value::Number(n) => n.as_u64().map(|n| n != 0),
        _ => None,
    })
}

fn nullable_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<RemoteContact>, D::Error> {
    Ok(Option::<Vec<RemoteContact>>::deserialize(d)?.unwrap_or_default())
}

/// Numbers as integers or digit strings (`"+33 6 12…"` too); entries without a usable number
/// are skipped rather than failing the whole contact.
fn numbers<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
    let entries = Option::<Vec<Value>>::deserialize(d)?.unwrap_or_default();
    Ok(entries
        .iter()
        .filter_map(|entry| match entry.get("number")? {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => digits(s),
            _ => None,
        })
        .collect())
}

/// The digits of a written number, if it has any and they fit.
pub(crate) fn digits(written: &str) -> Option<u64> {
    let digits: String = written.chars().filter(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_contact_reads_with_ids_and_numbers_as_numbers_or_strings() {
        let list: ContactList = serde_json::from_value(json!({
            "total_contact_count": 2,
            "contact_list": [
                {"contact_id": 12, "firstname": "Ada", "lastname": null, "is_shared": 1,
                 "numbers": [{"number": 33612345678u64, "type": "mobile",
                              "format": {"international": "+33 6 12 34 56 78"}},
                             {"number": "+33 1 23 45 67 89"}, {"type": "fax"}],
                 "creation_date": "2024-01-01"},
                {"contact_id": "13"}
            ]
        }))
        .expect("reads");
        let [first, second] = &list.contact_list[..] else {
            panic!("two contacts")
        };
        assert_eq!(first.contact_id, "12");
        assert_eq!(first.lastname, "");
        assert_eq!(first.is_shared, Some(true));
        assert_eq!(first.numbers, vec![33_612_345_678, 33_123_456_789]);
        assert_eq!(second.contact_id, "13");
        assert!(second.numbers.is_empty());
    }

    #[test]
    fn an_empty_or_null_list_reads_as_no_contacts() {
        for body in [json!({}), json!({"contact_list": null})] {
            let list: ContactList = serde_json::from_value(body).expect("reads");
            assert!(list.contact_list.is_empty());
        }
    }

    #[test]
    fn the_created_id_is_found_wherever_the_answer_puts_it() {
        assert_eq!(created_id(&json!({"contact_id": 7})), Some("7".into()));
        assert_eq!(
            created_id(&json!({"contact_list": [{"contact_id": "8"}]})),
            Some("8".into())
        );
        assert_eq!(
            created_id(&json!({"contacts": [{"contact_id": 9}]})),
            Some("9".into())
        );
        assert_eq!(created_id(&json!({"contacts": []})), None);
        assert_eq!(created_id(&json!({"contact_id": "../admin"})), None);
    }
}
