//! `orderBy` inputs: one `XOrder { field, direction }` per connection, sharing
//! [`OrderDirection`]. Each maps to the store's sort field; the row id is always the last
//! tie-breaker, so equal values keep one stable order.

use async_graphql::{Enum, Error};

use super::error::gql;
use crate::error::ApiError;
use crate::store::{
    AccountSort, AgreementSort, AuditSort, ContactSort, CreditSort, PartnerSort, Sorted,
    SyncJobSort, TeamSort,
};

/// Most sort keys one `orderBy` may name.
pub const MAX_ORDER_KEYS: usize = 4;

/// Sort direction. `ASC` puts empty (null) values last; `DESC` is its exact reverse, so they
/// come first.
#[derive(Enum, Copy, Clone, Debug, Default, Eq, PartialEq)]
pub enum OrderDirection {
    /// Smallest first (A to Z, oldest first), empty values last.
    #[default]
    Asc,
    /// Largest first (Z to A, newest first), empty values first.
    Desc,
}

/// Turns an `orderBy` list into store sort keys, refusing more than [`MAX_ORDER_KEYS`].
pub fn sorted<F>(list: Option<Vec<(F, OrderDirection)>>) -> Result<Vec<Sorted<F>>, Error> {
    let list = list.unwrap_or_default();
    if list.len() > MAX_ORDER_KEYS {
        return Err(gql(ApiError::bad_input(
            "orderBy",
            format!("may name at most {MAX_ORDER_KEYS} sort keys"),
        )));
    }
    Ok(list
        .into_iter()
        .map(|(field, d)| Sorted {
            field,
            desc: d == OrderDirection::Desc,
        })
        .collect())
}

/// Declares `$input { field: $field!, direction: OrderDirection = ASC }` and the enum
/// `$field` mapping each GraphQL value to the store's sort field.
macro_rules! order_input {
    ($(#[$m:meta])* $input:ident, $field:ident, $store:ty, $what:literal, {
        $($(#[$vm:meta])* $variant:ident => $sv:ident),* $(,)?
    }) => {
        #[doc = concat!("What ", $what, " can be sorted by.")]
        #[derive(async_graphql::Enum, Copy, Clone, Debug, Eq, PartialEq)]
        pub enum $field {
            $($(#[$vm])* $variant),*
        }

        $(#[$m])*
        #[derive(async_graphql::InputObject, Clone, Copy, Debug)]
        pub struct $input {
            /// The sort key.
            pub field: $field,
            /// The direction (ascending unless given).
            #[graphql(default)]
            pub direction: OrderDirection,
        }

        impl $input {
            /// The store's sort keys for an `orderBy` argument.
            pub fn sorted(
                list: Option<Vec<Self>>,
            ) -> Result<Vec<Sorted<$store>>, Error> {
                sorted(list.map(|l| {
                    l.into_iter()
                        .map(|o| {
                            (
                                match o.field {
                                    $($field::$variant => <$store>::$sv),*
                                },
                                o.direction,
                            )
                        })
                        .collect()
                }))
            }
        }
    };
}

order_input!(
    /// One sort key of accounts.
    AccountOrder, AccountOrderField, AccountSort, "accounts", {
        /// Name, case-insensitive (Unicode lower case, compared code point by code point).
        Name => Name,
        /// Creation time.
        CreatedAt => CreatedAt,
        /// Time of the last change.
        UpdatedAt => UpdatedAt,
        /// Relationship type: `CLIENT` before `CUSTOMER`.
        RelationshipType => RelationshipType,
        /// The next renewal or notice date: the earliest `cancelBy` (or `termEnd` when no
        /// notice applies) among the account's agreements in force; empty when none. Only for
        /// callers who may read agreement terms.
        NextDeadline => NextDeadline,
    }
);

order_input!(
    /// One sort key of contacts.
    ContactOrder, ContactOrderField, ContactSort, "contacts", {
        /// Last name, case-insensitive; contacts without one (and erased ones) are empty.
        LastName => LastName,
        /// First name, case-insensitive; erased contacts are empty.
        FirstName => FirstName,
        /// Email address, case-insensitive; contacts without one are empty.
        Email => Email,
        /// Creation time.
        CreatedAt => CreatedAt,
    }
);

order_input!(
    /// One sort key of agreements.
    AgreementOrder, AgreementOrderField, AgreementSort, "agreements", {
        /// Status, by its name (`ACTIVE`, `DRAFT`, `EXPIRED`, …).
        Status => Status,
        /// `summary.effectiveFrom` of the current revision (the draft's before approval).
        EffectiveFrom => EffectiveFrom,
        /// End of the current term; empty when open-ended or not approved. Only for callers
        /// who may read agreement terms.
        TermEnd => TermEnd,
        /// Last day to give notice; empty when unknown or ended. Only for callers who may
        /// read agreement terms.
        CancelBy => CancelBy,
        /// When the next review is due; empty unless live. Only for callers who may read
        /// agreement terms.
        NextReviewOn => NextReviewOn,
        /// Creation time.
        CreatedAt => CreatedAt,
    }
);

order_input!(
    /// One sort key of service credits.
    ServiceCreditOrder, ServiceCreditOrderField, CreditSort, "service credits", {
        /// The first day of the period the credit is for.
        PeriodStart => PeriodStart,
        /// The amount (to a ten-thousandth of the currency unit).
        Amount => Amount,
        /// When the credit was computed.
        CreatedAt => CreatedAt,
    }
);

order_input!(
    /// One sort key of team members.
    TeamMemberOrder, TeamMemberOrderField, TeamSort, "team members", {
        /// Name, case-insensitive.
        Name => Name,
        /// Creation time.
        CreatedAt => CreatedAt,
    }
);

order_input!(
    /// One sort key of partners.
    PartnerOrder, PartnerOrderField, PartnerSort, "partners", {
        /// Name, case-insensitive.
        Name => Name,
        /// Creation time.
        CreatedAt => CreatedAt,
    }
);

order_input!(
    /// One sort key of audit entries.
    AuditEntryOrder, AuditEntryOrderField, AuditSort, "audit entries", {
        /// When the change happened.
        CreatedAt => CreatedAt,
    }
);

order_input!(
    /// One sort key of sync jobs.
    SyncJobOrder, SyncJobOrderField, SyncJobSort, "sync jobs", {
        /// When the job was created.
        CreatedAt => CreatedAt,
    }
);

/// Sorting by an agreement's term dates orders rows by what only callers who may read
/// agreement terms see: FORBIDDEN for the others (support agents, partners).
pub fn refuse_terms_sort(st: &super::context::RequestState) -> Result<(), Error> {
    rapport_domain::permissions::authorize(
        &st.caller.principal,
        rapport_domain::permissions::Action::ReadAgreementTerms,
        &rapport_domain::permissions::Resource::Global,
    )
    .map_err(|_| gql(ApiError::Forbidden))
}
