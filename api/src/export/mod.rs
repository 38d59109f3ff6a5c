//! Bulk export of accounts, contacts, agreements, measurements and service credits as CSV
//! (RFC 4180) or JSON Lines, streamed: rows are read in keyset chunks by id and written as they
//! come, so memory stays flat whatever the size. Rows are scoped by the caller's
//! [`ReadScope`](crate::auth::ReadScope), filtered by the GraphQL lists' filters, and columns
//! are those the caller may read in GraphQL. Served by `GET /export/{kind}.{csv|jsonl}` and
//! by `rapport export`.

mod cell;
pub mod cli;
mod columns;
mod stream;
mod time_text;

pub use cell::{Field, neutralise};
pub use stream::{CHUNK_ROWS, Exporter};

use rapport_domain::permissions::{Action, Principal, Resource, authorize};

use crate::error::ApiError;
use crate::store::{AccountQuery, AgreementQuery, ContactQuery, CreditQuery};

/// What is exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// Accounts.
    Accounts,
    /// Contacts.
    Contacts,
    /// Agreements, with their sections as JSON.
    Agreements,
    /// Recorded measurements.
    Measurements,
    /// The service-credit ledger.
    Credits,
}

impl ExportKind {
    /// Every kind, as named in URLs and on the command line.
    pub const ALL: [ExportKind; 5] = [
        ExportKind::Accounts,
        ExportKind::Contacts,
        ExportKind::Agreements,
        ExportKind::Measurements,
        ExportKind::Credits,
    ];

    /// The name in URLs, file names and `--kind`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ExportKind::Accounts => "accounts",
            ExportKind::Contacts => "contacts",
            ExportKind::Agreements => "agreements",
            ExportKind::Measurements => "measurements",
            ExportKind::Credits => "credits",
        }
    }

    /// The kind named `raw`.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// How rows are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// RFC 4180 CSV: a header row, CRLF line ends, formulas neutralised.
    Csv,
    /// One JSON object per line.
    JsonLines,
}

impl Format {
    /// `csv`, or `jsonl` (also `ndjson`).
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "csv" => Some(Format::Csv),
            "jsonl" | "ndjson" => Some(Format::JsonLines),
            _ => None,
        }
    }

    /// The file extension.
    pub const fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::JsonLines => "jsonl",
        }
    }

    /// The media type.
    pub const fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::JsonLines => "application/x-ndjson",
        }
    }
}

/// Which rows: the store query of the kind's GraphQL list filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportQuery {
    /// `accounts(filter:)`.
    Accounts(AccountQuery),
    /// `contacts(filter:)`.
    Contacts(ContactQuery),
    /// `agreements(filter:)`.
    Agreements(AgreementQuery),
    /// Measurements, filtered as `serviceCredits(filter:)` (agreement, account, metric,
    /// period start).
    Measurements(CreditQuery),
    /// `serviceCredits(filter:)`.
    Credits(CreditQuery),
}

impl ExportQuery {
    /// Every row of `kind` (within the scope).
    pub fn everything(kind: ExportKind) -> Self {
        match kind {
            ExportKind::Accounts => Self::Accounts(AccountQuery::default()),
            ExportKind::Contacts => Self::Contacts(ContactQuery::default()),
            ExportKind::Agreements => Self::Agreements(AgreementQuery::default()),
            ExportKind::Measurements => Self::Measurements(CreditQuery::default()),
            ExportKind::Credits => Self::Credits(CreditQuery::default()),
        }
    }

    /// The kind exported.
    pub fn kind(&self) -> ExportKind {
        match self {
            Self::Accounts(_) => ExportKind::Accounts,
            Self::Contacts(_) => ExportKind::Contacts,
            Self::Agreements(_) => ExportKind::Agreements,
            Self::Measurements(_) => ExportKind::Measurements,
            Self::Credits(_) => ExportKind::Credits,
        }
    }
}

/// What a caller may read of exported rows, decided by [`authorize`] as GraphQL decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    /// The team (account managers' emails, who recorded a measurement).
    pub team: bool,
    /// Partners (the referring partner of an account).
    pub partners: bool,
    /// Agreement terms and money.
    pub terms: bool,
}

impl View {
    /// Everything: the command line's view (the operator's own database).
    pub fn everything() -> Self {
        View {
            team: true,
            partners: true,
            terms: true,
        }
    }
}

fn may(principal: &Principal, action: Action) -> bool {
    authorize(principal, action, &Resource::Global).is_ok()
}

/// Whether `principal` may export `query` and what it may read of it: FORBIDDEN as the
/// GraphQL list would answer (credits need agreement terms; raw measurements, which GraphQL
/// shows nobody but staff through compliance, need staff), and a partner naming a team
/// member in a filter is refused as in GraphQL.
pub fn permit(principal: &Principal, query: &ExportQuery) -> Result<View, ApiError> {
    let partner = principal.partner().is_some();
    let view = View {
        team: may(principal, Action::ReadTeam),
        partners: partner || may(principal, Action::ReadPartners),
        terms: may(principal, Action::ReadAgreementTerms),
    };
    let manager_filter = match query {
        ExportQuery::Accounts(q) => q.manager.is_some(),
        ExportQuery::Contacts(q) => q
            .account_filter
            .as_ref()
            .is_some_and(|a| a.manager.is_some()),
        _ => false,
    };
    let allowed = match query.kind() {
        ExportKind::Accounts => may(principal, Action::ReadAccount),
        ExportKind::Contacts => may(principal, Action::ReadContact),
        ExportKind::Agreements => may(principal, Action::ReadAgreement),
        ExportKind::Measurements => !partner && may(principal, Action::ReadAgreement),
        ExportKind::Credits => view.terms,
    };
    if !allowed || (partner && manager_filter) {
        return Err(ApiError::Forbidden);
    }
    Ok(view)
}

#[cfg(test)]
mod tests {
    use rapport_domain::ids::{PartnerId, TeamMemberId};
    use rapport_domain::permissions::Scopes;
    use rapport_domain::role::Role;

    use super::*;

    fn staff(role: Role) -> Principal {
        Principal::Staff {
            member: TeamMemberId::new(1),
            role,
        }
    }

    #[test]
    fn each_role_exports_what_graphql_lets_it_read() {
        let partner = Principal::Partner {
            partner: PartnerId::new(1),
            scopes: Scopes::ALL,
        };
        let cases = [
            (partner, "accounts contacts agreements", false, false),
            (
                staff(Role::Admin),
                "accounts contacts agreements measurements credits",
                true,
                true,
            ),
            (
                staff(Role::AccountManager),
                "accounts contacts agreements measurements credits",
                true,
                true,
            ),
            (
                staff(Role::Viewer),
                "accounts contacts agreements measurements credits",
                true,
                true,
            ),
            (
                staff(Role::SupportAgent),
                "accounts contacts agreements measurements",
                true,
                false,
            ),
        ];
        for (who, kinds, team, terms) in cases {
            let allowed: Vec<&str> = ExportKind::ALL
                .into_iter()
                .filter(|k| permit(&who, &ExportQuery::everything(*k)).is_ok())
                .map(ExportKind::as_str)
                .collect();
            assert_eq!(allowed.join(" "), kinds, "{who:?}");
            let view = permit(&who, &ExportQuery::everything(ExportKind::Accounts))
                .expect("accounts are readable");
            assert_eq!((view.team, view.terms), (team, terms), "{who:?}");
        }
    }

    #[test]
    fn a_partner_naming_an_account_manager_in_a_filter_is_refused() {
        let partner = Principal::Partner {
            partner: PartnerId::new(1),
            scopes: Scopes::ALL,
        };
        let query = ExportQuery::Accounts(AccountQuery {
            manager: Some(TeamMemberId::new(2)),
            ..Default::default()
        });
        assert!(matches!(permit(&partner, &query), Err(ApiError::Forbidden)));
        assert!(permit(&staff(Role::Viewer), &query).is_ok());
    }
}
