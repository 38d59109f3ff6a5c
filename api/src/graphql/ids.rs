use async_graphql::{Error, ID};
use rapport_domain::ids::{AccountId, ContactId, PartnerId, TeamMemberId};

use super::error::gql;
use crate::error::ApiError;
use crate::global_id::{self, Kind};

fn parse(kind: Kind, field: &str, id: &ID) -> Result<i64, Error> {
    global_id::decode(kind, id.as_str()).ok_or_else(|| {
        gql(ApiError::bad_input(
            field,
            format!("is not a {} id", kind.name()),
        ))
    })
}

/// Parses an account id from input field `field`.
pub fn account_id(field: &str, id: &ID) -> Result<AccountId, Error> {
    parse(Kind::Account, field, id).map(AccountId::new)
}

/// Parses a contact id from input field `field`.
pub fn contact_id(field: &str, id: &ID) -> Result<ContactId, Error> {
    parse(Kind::Contact, field, id).map(ContactId::new)
}

/// Parses a team member id from input field `field`.
pub fn team_member_id(field: &str, id: &ID) -> Result<TeamMemberId, Error> {
    parse(Kind::TeamMember, field, id).map(TeamMemberId::new)
}

/// Parses a partner id from input field `field`.
pub fn partner_id(field: &str, id: &ID) -> Result<PartnerId, Error> {
    parse(Kind::Partner, field, id).map(PartnerId::new)
}

/// The global id of a row.
pub fn to_id(kind: Kind, raw: i64) -> ID {
    ID(global_id::encode(kind, raw))
}
