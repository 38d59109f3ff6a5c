//! The answer to a caller-ID lookup: what Ringover shows the agent about who is calling.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

/// What Ringover shows for the person on the other end of a call, in the shape its caller-ID
/// lookup expects: `uuid`, `firstname`, `lastname`, `company`, `url`, `data`, `isShared`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallerCard {
    /// A stable id of the contact (ours).
    pub uuid: String,
    /// Given name.
    pub firstname: String,
    /// Family name; empty when unknown.
    pub lastname: String,
    /// The organization the contact belongs to.
    pub company: String,
    /// A link to the contact in the team's own application; empty when none is configured.
    pub url: String,
    /// More lines for the agent, label and value, shown in this order.
    #[serde(serialize_with = "in_order")]
    pub data: Vec<(String, String)>,
    /// Whether the whole Ringover team sees it.
    #[serde(rename = "isShared")]
    pub is_shared: bool,
}

fn in_order<S: Serializer>(lines: &[(String, String)], serializer: S) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(lines.len()))?;
    for (label, value) in lines {
        map.serialize_entry(label, value)?;
    }
    map.end()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_serializes_as_ringover_reads_it_with_its_lines_in_order() {
        let card = CallerCard {
            uuid: "Q29udGFjdDox".to_owned(),
            firstname: "Ada".to_owned(),
            lastname: String::new(),
            company: "Acme".to_owned(),
            url: String::new(),
            data: vec![
                ("Relationship".to_owned(), "Client".to_owned()),
                ("Account manager".to_owned(), "Grace".to_owned()),
            ],
            is_shared: true,
        };
        let text = serde_json::to_string(&card).expect("serializes");
        assert_eq!(
            text,
            r#"{"uuid":"Q29udGFjdDox","firstname":"Ada","lastname":"","company":"Acme","url":"","data":{"Relationship":"Client","Account manager":"Grace"},"isShared":true}"#
        );
    }
}
