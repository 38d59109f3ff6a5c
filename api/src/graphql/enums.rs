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
mirror!(
    /// How often the fee is charged.
    BillingCadence => "rapport_domain::agreement::BillingCadence" { OneOff, Monthly, Quarterly, Annual }
);
mirror!(
    /// What a metric measures.
    MetricKind => "rapport_domain::agreement::MetricKind" { FirstResponseTime, ResolutionTime, Uptime, OnTimeDelivery, Csat, Custom }
);
mirror!(
    /// Unit of a metric's values.
    MetricUnit => "rapport_domain::agreement::MetricUnit" { Minutes, Hours, Days, Percent, Score, Count }
);
mirror!(
    /// Which side of the target is good.
    Comparator => "rapport_domain::agreement::Comparator" { AtMost, AtLeast }
);
mirror!(
    /// The calendar period a metric is judged over (UTC).
    MeasurementPeriod => "rapport_domain::agreement::MeasurementPeriod" { Monthly, Quarterly }
);
mirror!(
    /// How a period's measurements become one value.
    Calculation => "rapport_domain::agreement::Calculation" { AsCaptured, Average, P95 }
);
mirror!(
    /// What a consequence rule does on breach.
    ConsequenceKind => "rapport_domain::agreement::ConsequenceKind" { ServiceCredit, FixedPenalty, Escalation, TerminationRight }
);
mirror!(
    /// Where an agreement stands.
    AgreementStatus => "rapport_domain::agreement::AgreementStatus" { Draft, PendingApproval, Active, UnderReview, Expired, Terminated }
);
mirror!(
    /// Where a revision stands.
    RevisionStatus => "rapport_domain::agreement::RevisionStatus" { Draft, PendingApproval, Approved, Rejected }
);
mirror!(
    /// Compliance of a metric over a period.
    ComplianceStatus => "rapport_domain::agreement::ComplianceStatus" { Compliant, AtRisk, Breached, NotMeasured }
);
mirror!(
    /// Why an agreement ends early.
    TerminationKind => "rapport_domain::agreement::TerminationKind" { ForCause, Convenience, NonRenewal }
);
mirror!(
    /// The outcome of a review.
    ReviewOutcome => "rapport_domain::agreement::ReviewOutcome" { Continue, Amend, Terminate }
);
