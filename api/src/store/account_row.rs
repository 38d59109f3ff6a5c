//! An account as reads see it: the columns a domain [`Account`] is made of, read by position
//! (see `by_position`). `name_key` and `next_deadline` exist for filters and sorts; no read
//! selects them. Domains are read apart, only when asked for.

use chrono::{DateTime, Utc};
use rapport_domain::account::{
    Account, AccountDomain, AccountKind, AccountParts, AccountStatus, AcquisitionChannel,
    RelationshipType,
};
use rapport_domain::ids::{AccountId, PartnerId, TeamMemberId};
use rapport_domain::values::{EmailDomain, Text};

use super::StoreError;
use super::by_position::{Cols, ReadRow};
use super::entity::account::{self, Column};

/// The columns of an account that make its domain value.
#[derive(Debug)]
pub(super) struct AccountRow {
    id: i64,
    name: String,
    kind: String,
    relationship: String,
    account_manager_id: Option<i64>,
    parent_id: Option<i64>,
    acquisition_channel: String,
    partner_id: Option<i64>,
    created_by_member_id: Option<i64>,
    status: String,
    churned_at: Option<DateTime<Utc>>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    external_source: Option<String>,
    external_id: Option<String>,
}

impl ReadRow for AccountRow {
    type Entity = account::Entity;
    const COLUMNS: &'static [Column] = &[
        Column::Id,
        Column::Name,
        Column::Kind,
        Column::Relationship,
        Column::AccountManagerId,
        Column::ParentId,
        Column::AcquisitionChannel,
        Column::PartnerId,
        Column::CreatedByMemberId,
        Column::Status,
        Column::ChurnedAt,
        Column::Version,
        Column::CreatedAt,
        Column::UpdatedAt,
        Column::ExternalSource,
        Column::ExternalId,
    ];

    fn read(c: &mut Cols<'_>) -> Result<Self, StoreError> {
        // Fields are evaluated in the order written: the order of `COLUMNS`.
        Ok(AccountRow {
            id: c.next()?,
            name: c.next()?,
            kind: c.next()?,
            relationship: c.next()?,
            account_manager_id: c.next()?,
            parent_id: c.next()?,
            acquisition_channel: c.next()?,
            partner_id: c.next()?,
            created_by_member_id: c.next()?,
            status: c.next()?,
            churned_at: c.next()?,
            version: c.next()?,
            created_at: c.next()?,
            updated_at: c.next()?,
            external_source: c.next()?,
            external_id: c.next()?,
        })
    }
}

impl From<account::Model> for AccountRow {
    fn from(row: account::Model) -> Self {
        let account::Model {
            id,
            name,
            name_key: _,
            next_deadline: _,
            external_source,
            external_id,
            kind,
            relationship,
            account_manager_id,
            parent_id,
            acquisition_channel,
            partner_id,
            created_by_member_id,
            status,
            churned_at,
            version,
            created_at,
            updated_at,
        } = row;
        AccountRow {
            id,
            name,
            kind,
            relationship,
            account_manager_id,
            parent_id,
            acquisition_channel,
            partner_id,
            created_by_member_id,
            status,
            churned_at,
            version,
            created_at,
            updated_at,
            external_source,
            external_id,
        }
    }
}

fn parse<T>(
    id: i64,
    what: &str,
    result: Result<T, rapport_domain::ValidationError>,
) -> Result<T, StoreError> {
    result.map_err(|e| StoreError::corrupt("accounts", id, format!("{what}: {e}")))
}

/// A stored account with its domains (`(domain, confirmed)`, in order) as a domain value.
pub(super) fn to_domain(
    row: impl Into<AccountRow>,
    domains: Vec<(String, bool)>,
) -> Result<Account, StoreError> {
    let AccountRow {
        id,
        name,
        external_source,
        external_id,
        kind,
        relationship,
        account_manager_id,
        parent_id,
        acquisition_channel,
        partner_id,
        created_by_member_id,
        status,
        churned_at,
        version,
        created_at,
        updated_at,
    } = row.into();
    let domains = domains
        .iter()
        .map(|(d, confirmed)| {
            Ok(AccountDomain {
                domain: parse(id, "domain", EmailDomain::parse(d))?,
                confirmed: *confirmed,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Account::restore(AccountParts {
        id: AccountId::new(id),
        name: parse(id, "name", Text::name_owned("name", name))?,
        kind: parse(id, "kind", AccountKind::parse(&kind))?,
        relationship: parse(id, "relationship", RelationshipType::parse(&relationship))?,
        account_manager: account_manager_id.map(TeamMemberId::new),
        parent: parent_id.map(AccountId::new),
        domains,
        acquisition_channel: parse(
            id,
            "channel",
            AcquisitionChannel::parse(&acquisition_channel),
        )?,
        partner: partner_id.map(PartnerId::new),
        created_by: created_by_member_id.map(TeamMemberId::new),
        status: parse(id, "status", AccountStatus::parse(&status))?,
        churned_at,
        version,
        created_at,
        updated_at,
        external: parse(
            id,
            "external_id",
            super::import::external(external_source, external_id),
        )?,
    })
    .map_err(|e| StoreError::corrupt("accounts", id, e))
}
