//! An account row read from its cells. The columns an export of accounts writes all read
//! back: `domains` (the export's name) or `domain`, `kind`, and `client_since` as a date or as
//! the export's date and time; `status` and `partner_id` are accepted and not imported
//! (churning and referral have their own mutations).

use chrono::{DateTime, NaiveDate, Utc};
use rapport_domain::account::{AccountKind, RelationshipType};
use rapport_domain::values::{EmailAddress, EmailDomain, ExternalRef, Text};

use super::ImportOptions;
use super::own_id::OwnId;
use super::rows::{Cells, Refusal, refuse};
use crate::global_id::Kind;

/// An account row as read: `None` where the file has no such column.
pub(super) struct Row {
    pub own: Option<OwnId>,
    pub external: Option<ExternalRef>,
    pub name: Option<Text>,
    pub kind: Option<AccountKind>,
    pub domains: Option<Vec<EmailDomain>>,
    pub relationship: Option<RelationshipType>,
    pub manager: Option<EmailAddress>,
    pub client_since: Option<NaiveDate>,
}

/// `client_since`: a date (`2024-03-01`) or a date and time with its offset, as an export
/// writes it (the UTC date is kept).
fn since(raw: &str) -> Result<NaiveDate, Refusal> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .or_else(|_| DateTime::parse_from_rfc3339(raw).map(|t| t.with_timezone(&Utc).date_naive()))
        .map_err(|_| {
            refuse(
                "client_since",
                "must be a date as YYYY-MM-DD (or a date and time as an export writes it)",
            )
        })
}

fn domains(cells: &Cells<'_>) -> Result<Option<Vec<EmailDomain>>, Refusal> {
    let (column, raw) = match (cells.raw("domain"), cells.raw("domains")) {
        (Some(_), Some(_)) => {
            return Err(refuse(
                "domains",
                "give the domain column or domains, not both",
            ));
        }
        (Some(v), None) => ("domain", v),
        (None, Some(v)) => ("domains", v),
        (None, None) => return Ok(None),
    };
    raw.split([';', ',', ' '])
        .filter(|d| !d.trim().is_empty())
        .map(|d| EmailDomain::parse(d).map_err(|e| refuse(column, e.message)))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// Reads an account row, refusing with the column at fault.
pub(super) fn read(cells: &Cells<'_>, options: &ImportOptions) -> Result<Row, Refusal> {
    let relationship = cells
        .value("relationship_type")
        .map(|v| {
            RelationshipType::parse(&v.to_ascii_uppercase())
                .map_err(|e| refuse("relationship_type", e.message))
        })
        .transpose()?;
    let manager = cells
        .value("account_manager_email")
        .map(|v| EmailAddress::parse(v).map_err(|e| refuse("account_manager_email", e.message)))
        .transpose()?;
    let client_since = cells.value("client_since").map(since).transpose()?;
    if client_since.is_some() && relationship != Some(RelationshipType::Client) {
        return Err(refuse(
            "client_since",
            "is only for rows whose relationship_type is CLIENT",
        ));
    }
    if relationship == Some(RelationshipType::Client) && manager.is_none() {
        return Err(refuse(
            "account_manager_email",
            "is required for a CLIENT (the dedicated account manager)",
        ));
    }
    let kind = cells
        .value("kind")
        .map(|v| AccountKind::parse(&v.to_ascii_uppercase()).map_err(|e| refuse("kind", e.message)))
        .transpose()?;
    Ok(Row {
        own: OwnId::read(cells, Kind::Account),
        external: cells.external(options, "external_id")?,
        name: cells.name("name")?,
        kind,
        domains: domains(cells)?,
        relationship,
        manager,
        client_since,
    })
}
