//! GraphQL mirrors of domain enums (`remote` keeps the two in lockstep at compile time).

use async_graphql::Enum;

macro_rules! mirror {
    ($(#[$doc:meta])* $name:ident => $remote:literal { $($variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
        #[graphql(remote = $remote)]
        pub enum $name {
            $(#[allow(missing_docs)] $variant),+
        }
    };
}

mirror!(
    /// Customers buy in transactions; clients are long-term and personally managed.
    RelationshipType => "rapport_domain::account::RelationshipType" { Customer, Client }
);
mirror!(
    /// One person or an organization.
    AccountKind => "rapport_domain::account::AccountKind" { Individual, Organization }
);
mirror!(
    /// How the account came to us.
    AcquisitionChannel => "rapport_domain::account::AcquisitionChannel" { Referral, Partner, Marketing, Direct, Other }
);
mirror!(
    /// Whether we still serve the account.
    AccountStatus => "rapport_domain::account::AccountStatus" { Active, Churned }
);
mirror!(
    /// Email-marketing consent.
    EmailConsent => "rapport_domain::contact::EmailConsent" { Subscribed, Pending, Unsubscribed, Cleaned, None }
);
mirror!(
    /// Kind of phone line.
    PhoneType => "rapport_domain::values::PhoneType" { Mobile, Work, Home, Fax, Other }
);
mirror!(
    /// Type of a custom field's value.
    CustomFieldType => "rapport_domain::values::CustomFieldType" { Text, Number, Boolean, Date }
);
mirror!(
    /// What a caller may do.
    Role => "rapport_domain::role::Role" { Admin, AccountManager, SupportAgent, Viewer, Partner }
);
