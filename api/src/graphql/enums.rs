//! GraphQL mirrors of domain enums (`remote` keeps the two in lockstep at compile time).
//! Every variant carries a doc comment: it is the enum value's description in the schema.

use async_graphql::Enum;

macro_rules! mirror {
    ($(#[$doc:meta])* $name:ident => $remote:literal { $($(#[$vdoc:meta])+ $variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
        #[graphql(remote = $remote)]
        pub enum $name {
            $($(#[$vdoc])+ $variant),+
        }
    };
}

mirror!(
    /// Customers buy in transactions; clients are long-term and personally managed.
    RelationshipType => "rapport_domain::account::RelationshipType" {
        /// Buys in transactions and is served at scale by support agents.
        Customer,
        /// Long-term, with a dedicated account manager and usually a formal agreement.
        Client,
    }
);
mirror!(
    /// One person or an organization.
    AccountKind => "rapport_domain::account::AccountKind" {
        /// A single person.
        Individual,
        /// A company or other organization, with contacts of its own.
        Organization,
    }
);
mirror!(
    /// How the account came to us.
    AcquisitionChannel => "rapport_domain::account::AcquisitionChannel" {
        /// Recommended by an existing account or a contact.
        Referral,
        /// Brought by a partner (see `Account.partner`).
        Partner,
        /// Came through a marketing campaign.
        Marketing,
        /// Came to us directly (sales, inbound request).
        Direct,
        /// Any other channel.
        Other,
    }
);
mirror!(
    /// Whether we still serve the account.
    AccountStatus => "rapport_domain::account::AccountStatus" {
        /// We serve the account.
        Active,
        /// The account left us (see `Account.churnedAt`).
        Churned,
    }
);
mirror!(
    /// Email-marketing consent, as the marketing tool (Mailchimp) knows it.
    EmailConsent => "rapport_domain::contact::EmailConsent" {
        /// Opted in: receives marketing email.
        Subscribed,
        /// Asked to confirm the subscription (double opt-in), not confirmed yet.
        Pending,
        /// Opted out: receives no marketing email.
        Unsubscribed,
        /// The address bounced and the marketing tool stopped sending to it.
        Cleaned,
        /// Never asked.
        None,
    }
);
mirror!(
    /// Kind of phone line.
    PhoneType => "rapport_domain::values::PhoneType" {
        /// A mobile phone.
        Mobile,
        /// A work line (desk or switchboard).
        Work,
        /// A home line.
        Home,
        /// A fax number.
        Fax,
        /// Any other line.
        Other,
    }
);
mirror!(
    /// Type of a custom field's value.
    CustomFieldType => "rapport_domain::values::CustomFieldType" {
        /// Free text.
        Text,
        /// A number, sent and answered as text (`"42"`, `"3.5"`).
        Number,
        /// `"true"` or `"false"`.
        Boolean,
        /// An ISO 8601 calendar date (`"2026-11-22"`).
        Date,
    }
);
mirror!(
    /// What a caller may do.
    Role => "rapport_domain::role::Role" {
        /// Everything, including team, partners, integrations, approvals and erasure.
        Admin,
        /// Reads all accounts; edits the accounts they manage and their agreements.
        AccountManager,
        /// Reads accounts and contacts, edits contacts of customers, records measurements.
        SupportAgent,
        /// Reads everything but secrets and the personal data of erased contacts.
        Viewer,
        /// An outside organization: sees only the accounts it referred.
        Partner,
    }
);
mirror!(
    /// How often the fee is charged.
    BillingCadence => "rapport_domain::agreement::BillingCadence" {
        /// Charged once.
        OneOff,
        /// A retainer charged every month.
        Monthly,
        /// Charged every quarter.
        Quarterly,
        /// Charged every year.
        Annual,
    }
);
mirror!(
    /// What a metric measures.
    MetricKind => "rapport_domain::agreement::MetricKind" {
        /// Time until the first answer to a request.
        FirstResponseTime,
        /// Time until a request is resolved.
        ResolutionTime,
        /// Share of time the service was available, in percent.
        Uptime,
        /// Share of deliveries made on time, in percent.
        OnTimeDelivery,
        /// Customer satisfaction score.
        Csat,
        /// Anything else, described by the metric's name.
        Custom,
    }
);
mirror!(
    /// Unit of a metric's values.
    MetricUnit => "rapport_domain::agreement::MetricUnit" {
        /// Minutes.
        Minutes,
        /// Hours.
        Hours,
        /// Days.
        Days,
        /// Percent (0 to 100).
        Percent,
        /// A score on the metric's own scale (CSAT).
        Score,
        /// A number of occurrences.
        Count,
    }
);
mirror!(
    /// Which side of the target is good.
    Comparator => "rapport_domain::agreement::Comparator" {
        /// Met when the value is at most the target (response times).
        AtMost,
        /// Met when the value is at least the target (uptime, CSAT).
        AtLeast,
    }
);
mirror!(
    /// The calendar period a metric is judged over (UTC).
    MeasurementPeriod => "rapport_domain::agreement::MeasurementPeriod" {
        /// Each calendar month.
        Monthly,
        /// Each calendar quarter (January, April, July, October).
        Quarterly,
    }
);
mirror!(
    /// How a period's measurements become one value.
    Calculation => "rapport_domain::agreement::Calculation" {
        /// The latest measurement of the period, as captured.
        AsCaptured,
        /// The mean of the period's measurements.
        Average,
        /// The 95th percentile (nearest rank) of the period's measurements.
        P95,
    }
);
mirror!(
    /// What a consequence rule does on breach.
    ConsequenceKind => "rapport_domain::agreement::ConsequenceKind" {
        /// A credit of a percentage of the period fee, tiered by how far the target was missed.
        ServiceCredit,
        /// A fixed amount.
        FixedPenalty,
        /// The breach is escalated to a named person.
        Escalation,
        /// Repeated breaches give the client the right to terminate for cause.
        TerminationRight,
    }
);
mirror!(
    /// Where an agreement stands.
    AgreementStatus => "rapport_domain::agreement::AgreementStatus" {
        /// Being written; not yet submitted.
        Draft,
        /// Submitted, waiting for an approver other than its author.
        PendingApproval,
        /// Approved and in force.
        Active,
        /// In force, with a review under way.
        UnderReview,
        /// Its term ended without renewal.
        Expired,
        /// Ended early (see `termination`).
        Terminated,
    }
);
mirror!(
    /// Where a revision stands.
    RevisionStatus => "rapport_domain::agreement::RevisionStatus" {
        /// Being written.
        Draft,
        /// Submitted, waiting for approval.
        PendingApproval,
        /// Approved: in force from its effective date, or superseded since.
        Approved,
        /// Refused by the approver.
        Rejected,
    }
);
mirror!(
    /// Compliance of a metric over a period.
    ComplianceStatus => "rapport_domain::agreement::ComplianceStatus" {
        /// The target is met.
        Compliant,
        /// The target is met, but the warning threshold is reached.
        AtRisk,
        /// The target is missed.
        Breached,
        /// No measurement was recorded for the period.
        NotMeasured,
    }
);
mirror!(
    /// Why an agreement ends early.
    TerminationKind => "rapport_domain::agreement::TerminationKind" {
        /// A party failed its obligations; may be immediate when a rule grants the right.
        ForCause,
        /// A party chose to end it, respecting the notice period.
        Convenience,
        /// It is not renewed at the end of its term.
        NonRenewal,
    }
);
mirror!(
    /// The outcome of a review.
    ReviewOutcome => "rapport_domain::agreement::ReviewOutcome" {
        /// The agreement continues unchanged.
        Continue,
        /// The agreement is to be amended.
        Amend,
        /// The agreement is to be terminated.
        Terminate,
    }
);
mirror!(
    /// What a sync job asks of a provider.
    SyncJobKind => "rapport_integrations::JobKind" {
        /// Send the contact's current state (create or update it at the provider).
        Upsert,
        /// Erase the contact at the provider.
        Erase,
    }
);
mirror!(
    /// What kind of interaction it was.
    InteractionKind => "rapport_domain::contact::InteractionKind" {
        /// A phone call.
        Call,
        /// An email exchanged with the contact.
        Email,
        /// A meeting, in person or by video.
        Meeting,
    }
);
mirror!(
    /// Who started an interaction.
    InteractionDirection => "rapport_domain::contact::InteractionDirection" {
        /// The contact reached us (an incoming call).
        Inbound,
        /// We reached the contact (an outgoing call).
        Outbound,
    }
);
mirror!(
    /// What an API key may be used for: a service account acts as its role narrowed by these.
    ApiScope => "rapport_domain::permissions::Scope" {
        /// Every read: accounts, contacts, team, partners, agreements, the audit log
        /// (`read`).
        Read,
        /// Create and change accounts (`accounts:write`).
        AccountsWrite,
        /// Create, change and erase contacts (`contacts:write`).
        ContactsWrite,
        /// Record interactions with contacts, e.g. a help desk's calls
        /// (`interactions:write`).
        InteractionsWrite,
        /// Record measurements against agreements' metrics, e.g. a monitoring feed
        /// (`measurements:write`).
        MeasurementsWrite,
        /// Draft, approve, review and terminate agreements (`agreements:write`).
        AgreementsWrite,
        /// Team, partners, tokens and keys, integrations, webhooks (`manage`).
        Manage,
    }
);
