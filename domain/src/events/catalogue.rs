//! The catalogue of event types: every type's name, version, aggregate, description and
//! payload fields, each field with the [`Visibility`] class that decides who reads it.
//!
//! This is the single source the generated JSON Schema, the `eventTypes` query and the
//! webhook endpoint validation are built from. Versioning: adding a field (or a type) keeps
//! the version; renaming, removing or retyping a field bumps it.

use super::visibility::Visibility;

/// The JSON type of a payload field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Free text.
    String,
    /// One of a closed set of strings.
    Enum(&'static [&'static str]),
    /// A whole number.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// An exact decimal, written as a string (`"99.95"`).
    Decimal,
    /// A calendar date (`2026-03-31`).
    Date,
    /// An instant (RFC 3339).
    DateTime,
    /// A global id (`QWNjb3VudDox`).
    GlobalId,
    /// An amount of money: `{"amount": "120.00", "currency": "EUR"}`.
    Money,
    /// A list of strings.
    StringList,
}

impl FieldType {
    /// The JSON Schema `type` of the field.
    pub const fn json_type(self) -> &'static str {
        match self {
            Self::Integer => "integer",
            Self::Boolean => "boolean",
            Self::Money => "object",
            Self::StringList => "array",
            Self::String
            | Self::Enum(_)
            | Self::Decimal
            | Self::Date
            | Self::DateTime
            | Self::GlobalId => "string",
        }
    }

    /// The JSON Schema `format` of a string field, if it has one.
    pub const fn format(self) -> Option<&'static str> {
        match self {
            Self::Date => Some("date"),
            Self::DateTime => Some("date-time"),
            Self::Decimal => Some("decimal"),
            Self::GlobalId => Some("global-id"),
            _ => None,
        }
    }

    /// The name shown in the catalogue (`Decimal`, `Money`, `[String]`).
    pub const fn display(self) -> &'static str {
        match self {
            Self::String => "String",
            Self::Enum(_) => "Enum",
            Self::Integer => "Integer",
            Self::Boolean => "Boolean",
            Self::Decimal => "Decimal",
            Self::Date => "Date",
            Self::DateTime => "DateTime",
            Self::GlobalId => "ID",
            Self::Money => "Money",
            Self::StringList => "[String]",
        }
    }
}

/// One field of an event's `data`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldInfo {
    /// The field's name in `data` (camelCase).
    pub name: &'static str,
    /// Its JSON type.
    pub ty: FieldType,
    /// Whether it may be `null`.
    pub nullable: bool,
    /// Who may read it.
    pub visibility: Visibility,
    /// What it holds.
    pub description: &'static str,
}

/// One event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventTypeInfo {
    /// The type name (`agreement.metric_breached`).
    pub name: &'static str,
    /// The payload's version.
    pub version: u32,
    /// The aggregate the event is about (`Agreement`).
    pub aggregate: &'static str,
    /// What happened.
    pub description: &'static str,
    /// Who may receive the event at all.
    pub visibility: Visibility,
    /// The fields of its `data`.
    pub fields: &'static [FieldInfo],
}

/// The catalogue entry of the type named `name`.
pub fn info(name: &str) -> Option<&'static EventTypeInfo> {
    CATALOGUE.iter().find(|t| t.name == name)
}

/// Stands in for a type missing from the catalogue (a table test proves none is).
pub(super) const UNKNOWN: EventTypeInfo = EventTypeInfo {
    name: "unknown",
    version: 1,
    aggregate: "Account",
    description: "Not in the catalogue.",
    visibility: Visibility::Tokens,
    fields: &[],
};

const fn field(
    name: &'static str,
    ty: FieldType,
    visibility: Visibility,
    description: &'static str,
) -> FieldInfo {
    FieldInfo {
        name,
        ty,
        nullable: false,
        visibility,
        description,
    }
}

const fn nullable(
    name: &'static str,
    ty: FieldType,
    visibility: Visibility,
    description: &'static str,
) -> FieldInfo {
    FieldInfo {
        name,
        ty,
        nullable: true,
        visibility,
        description,
    }
}

use FieldType as T;
use Visibility as V;

const RELATIONSHIP: FieldType = T::Enum(&["CUSTOMER", "CLIENT"]);
const CHANGED: FieldInfo = field(
    "changed",
    T::StringList,
    V::Everyone,
    "The names of the fields that changed (never their values).",
);

const ACCOUNT: &[FieldInfo] = &[
    field("name", T::String, V::Everyone, "The account's name."),
    field(
        "kind",
        T::Enum(&["INDIVIDUAL", "ORGANIZATION"]),
        V::Everyone,
        "Individual or organization.",
    ),
    field(
        "relationshipType",
        RELATIONSHIP,
        V::Everyone,
        "Customer or client.",
    ),
    field(
        "acquisitionChannel",
        T::Enum(&["REFERRAL", "PARTNER", "MARKETING", "DIRECT", "OTHER"]),
        V::Everyone,
        "How the account was acquired.",
    ),
    nullable(
        "partnerId",
        T::GlobalId,
        V::Everyone,
        "The referring partner.",
    ),
    nullable(
        "accountManagerId",
        T::GlobalId,
        V::StaffIdentity,
        "The account's manager (a team member).",
    ),
];
const ACCOUNT_UPDATED: &[FieldInfo] = &[
    field(
        "name",
        T::String,
        V::Everyone,
        "The account's name after the change.",
    ),
    CHANGED,
];
const RELATIONSHIP_CHANGE: &[FieldInfo] = &[
    field(
        "from",
        RELATIONSHIP,
        V::Everyone,
        "The relationship before.",
    ),
    field("to", RELATIONSHIP, V::Everyone, "The relationship after."),
    field(
        "reason",
        T::String,
        V::Staff,
        "Why, as given by whoever made the change.",
    ),
    nullable(
        "accountManagerId",
        T::GlobalId,
        V::StaffIdentity,
        "The account's manager after the change.",
    ),
];
const MANAGER_ASSIGNED: &[FieldInfo] = &[
    nullable(
        "accountManagerId",
        T::GlobalId,
        V::StaffIdentity,
        "The new manager; null when the manager was removed.",
    ),
    nullable(
        "previousAccountManagerId",
        T::GlobalId,
        V::StaffIdentity,
        "The manager before.",
    ),
];
const ACCOUNT_STATUS: &[FieldInfo] = &[field(
    "status",
    T::Enum(&["ACTIVE", "CHURNED"]),
    V::Everyone,
    "The account's status after the change.",
)];
const DOMAINS: &[FieldInfo] = &[field(
    "confirmedDomains",
    T::StringList,
    V::Everyone,
    "Every confirmed email domain of the account (they route new contacts to it).",
)];
const REFERRAL: &[FieldInfo] = &[
    field(
        "partnerId",
        T::GlobalId,
        V::Everyone,
        "The referring partner.",
    ),
    field("name", T::String, V::Everyone, "The new account's name."),
    field(
        "acquisitionChannel",
        T::Enum(&["REFERRAL", "PARTNER", "MARKETING", "DIRECT", "OTHER"]),
        V::Everyone,
        "How the account was acquired.",
    ),
];
const CONTACT_ACCOUNT: FieldInfo = field(
    "accountId",
    T::GlobalId,
    V::Everyone,
    "The account the contact belongs to.",
);
const CONTACT_CREATED: &[FieldInfo] = &[
    CONTACT_ACCOUNT,
    field(
        "firstName",
        T::String,
        V::Everyone,
        "The contact's first name.",
    ),
    nullable(
        "lastName",
        T::String,
        V::Everyone,
        "The contact's last name.",
    ),
];
const CONTACT_UPDATED: &[FieldInfo] = &[CONTACT_ACCOUNT, CHANGED];
const CONTACT_ERASED: &[FieldInfo] = &[CONTACT_ACCOUNT];
const TEAM_MEMBER: &[FieldInfo] = &[
    field("name", T::String, V::StaffIdentity, "The member's name."),
    field(
        "role",
        T::Enum(&["ADMIN", "ACCOUNT_MANAGER", "SUPPORT_AGENT", "VIEWER"]),
        V::StaffIdentity,
        "The member's role.",
    ),
    field(
        "active",
        T::Boolean,
        V::StaffIdentity,
        "Whether the member is active.",
    ),
];
const TEAM_MEMBER_UPDATED: &[FieldInfo] = &[
    field("name", T::String, V::StaffIdentity, "The member's name."),
    CHANGED,
];
const PARTNER: &[FieldInfo] = &[
    field("name", T::String, V::Partners, "The partner's name."),
    field(
        "active",
        T::Boolean,
        V::Partners,
        "Whether the partner is active.",
    ),
];
const PARTNER_UPDATED: &[FieldInfo] = &[
    field("name", T::String, V::Partners, "The partner's name."),
    CHANGED,
];
const AGREEMENT: &[FieldInfo] = &[
    field(
        "status",
        T::Enum(&[
            "DRAFT",
            "PENDING_APPROVAL",
            "ACTIVE",
            "UNDER_REVIEW",
            "EXPIRED",
            "TERMINATED",
        ]),
        V::Everyone,
        "The agreement's status after the change.",
    ),
    field(
        "revision",
        T::Integer,
        V::Everyone,
        "The number of its latest revision.",
    ),
    nullable("title", T::String, V::Everyone, "The agreement's title."),
];
const AGREEMENT_TERM: &[FieldInfo] = &[
    AGREEMENT[0],
    AGREEMENT[1],
    AGREEMENT[2],
    nullable(
        "termEnd",
        T::Date,
        V::Everyone,
        "The last day of the current term; null when open-ended.",
    ),
    nullable("fee", T::Money, V::Money, "The fee per billing period."),
];
const TERMINATION: &[FieldInfo] = &[
    AGREEMENT[0],
    AGREEMENT[1],
    AGREEMENT[2],
    nullable(
        "terminationKind",
        T::Enum(&["FOR_CAUSE", "CONVENIENCE", "NON_RENEWAL"]),
        V::Terms,
        "Why the agreement ends.",
    ),
    nullable(
        "effectiveOn",
        T::Date,
        V::Everyone,
        "The day the termination takes effect.",
    ),
];
const NOTICE: &[FieldInfo] = &[
    field(
        "days",
        T::Integer,
        V::Everyone,
        "Days left until cancelBy: 30, 7 or 1.",
    ),
    field(
        "cancelBy",
        T::Date,
        V::Everyone,
        "The last day notice can be given.",
    ),
    nullable(
        "termEnd",
        T::Date,
        V::Everyone,
        "The last day of the current term.",
    ),
];
const MEASUREMENTS: &[FieldInfo] = &[
    field(
        "recorded",
        T::Integer,
        V::Everyone,
        "How many measurements the batch recorded.",
    ),
    field(
        "periods",
        T::StringList,
        V::Everyone,
        "The periods whose compliance was recomputed.",
    ),
];
const PERIOD: [FieldInfo; 3] = [
    field("metricKey", T::String, V::Everyone, "The metric's key."),
    field(
        "periodStart",
        T::Date,
        V::Everyone,
        "The first day of the period judged.",
    ),
    field(
        "periodEnd",
        T::Date,
        V::Everyone,
        "The last day of the period judged.",
    ),
];
const METRIC: &[FieldInfo] = &[
    PERIOD[0],
    field("metricName", T::String, V::Everyone, "The metric's name."),
    PERIOD[1],
    PERIOD[2],
    field(
        "comparator",
        T::Enum(&["AT_MOST", "AT_LEAST"]),
        V::Everyone,
        "Which side of the target is good.",
    ),
    field("target", T::Decimal, V::Everyone, "The target."),
    nullable(
        "actual",
        T::Decimal,
        V::Everyone,
        "The value observed over the period.",
    ),
];
const CREDIT: &[FieldInfo] = &[
    PERIOD[0],
    PERIOD[1],
    PERIOD[2],
    field("amount", T::Money, V::Credits, "The credit owed."),
];
const CREDIT_CHANGED: &[FieldInfo] = &[
    PERIOD[0],
    PERIOD[1],
    PERIOD[2],
    field(
        "amount",
        T::Money,
        V::Credits,
        "The credit owed now (zero when it was removed).",
    ),
    field(
        "previousAmount",
        T::Money,
        V::Credits,
        "The credit owed before.",
    ),
];
const ENDPOINT_DISABLED: &[FieldInfo] = &[
    field(
        "reason",
        T::String,
        V::Webhooks,
        "Why the endpoint was disabled.",
    ),
    field(
        "failingSince",
        T::DateTime,
        V::Webhooks,
        "When its deliveries started failing.",
    ),
];

const fn ty(
    name: &'static str,
    aggregate: &'static str,
    visibility: Visibility,
    description: &'static str,
    fields: &'static [FieldInfo],
) -> EventTypeInfo {
    EventTypeInfo {
        name,
        version: 1,
        aggregate,
        description,
        visibility,
        fields,
    }
}

/// Every event type Rapport writes.
pub const CATALOGUE: &[EventTypeInfo] = &[
    ty(
        "account.created",
        "Account",
        V::Everyone,
        "An account was created.",
        ACCOUNT,
    ),
    ty(
        "account.updated",
        "Account",
        V::Everyone,
        "An account's details changed.",
        ACCOUNT_UPDATED,
    ),
    ty(
        "account.promoted",
        "Account",
        V::Everyone,
        "A customer became a client.",
        RELATIONSHIP_CHANGE,
    ),
    ty(
        "account.demoted",
        "Account",
        V::Everyone,
        "A client became a customer.",
        RELATIONSHIP_CHANGE,
    ),
    ty(
        "account.churned",
        "Account",
        V::Everyone,
        "An account churned.",
        ACCOUNT_STATUS,
    ),
    ty(
        "account.manager_assigned",
        "Account",
        V::StaffIdentity,
        "An account got a new manager (or lost its manager).",
        MANAGER_ASSIGNED,
    ),
    ty(
        "account.domains_confirmed",
        "Account",
        V::Everyone,
        "Staff confirmed some of an account's email domains: they now route new contacts to it.",
        DOMAINS,
    ),
    ty(
        "partner.referral_created",
        "Account",
        V::Everyone,
        "An account was created by a partner, or with a referring partner.",
        REFERRAL,
    ),
    ty(
        "contact.created",
        "Contact",
        V::Everyone,
        "A contact was created.",
        CONTACT_CREATED,
    ),
    ty(
        "contact.updated",
        "Contact",
        V::Everyone,
        "A contact changed (details, consent, or its account's relationship).",
        CONTACT_UPDATED,
    ),
    ty(
        "contact.erased",
        "Contact",
        V::Everyone,
        "A contact's personal data was erased.",
        CONTACT_ERASED,
    ),
    ty(
        "agreement.drafted",
        "Agreement",
        V::Everyone,
        "An agreement draft was created.",
        AGREEMENT,
    ),
    ty(
        "agreement.draft_updated",
        "Agreement",
        V::Everyone,
        "An agreement draft's sections changed.",
        AGREEMENT,
    ),
    ty(
        "agreement.submitted",
        "Agreement",
        V::Everyone,
        "A draft or amendment was submitted for approval.",
        AGREEMENT,
    ),
    ty(
        "agreement.approved",
        "Agreement",
        V::Everyone,
        "A revision (the first one or an amendment) was approved.",
        AGREEMENT_TERM,
    ),
    ty(
        "agreement.rejected",
        "Agreement",
        V::Everyone,
        "A revision pending approval was rejected.",
        AGREEMENT,
    ),
    ty(
        "agreement.activated",
        "Agreement",
        V::Everyone,
        "The first revision was approved: the agreement is active.",
        AGREEMENT_TERM,
    ),
    ty(
        "agreement.amendment_proposed",
        "Agreement",
        V::Everyone,
        "An amendment to an active agreement was proposed and awaits approval.",
        AGREEMENT,
    ),
    ty(
        "agreement.amended",
        "Agreement",
        V::Everyone,
        "An approved amendment is now in force.",
        AGREEMENT_TERM,
    ),
    ty(
        "agreement.review_started",
        "Agreement",
        V::Everyone,
        "A review started.",
        AGREEMENT,
    ),
    ty(
        "agreement.review_due",
        "Agreement",
        V::Everyone,
        "A review is due (once per review cycle).",
        AGREEMENT,
    ),
    ty(
        "agreement.review_completed",
        "Agreement",
        V::Everyone,
        "A review was completed.",
        AGREEMENT,
    ),
    ty(
        "agreement.notice_deadline_approaching",
        "Agreement",
        V::Everyone,
        "The last day to give notice is 30, 7 or 1 days away.",
        NOTICE,
    ),
    ty(
        "agreement.renewed",
        "Agreement",
        V::Everyone,
        "The agreement renewed into a new term.",
        AGREEMENT_TERM,
    ),
    ty(
        "agreement.expired",
        "Agreement",
        V::Everyone,
        "The agreement reached the end of its term without renewal.",
        AGREEMENT_TERM,
    ),
    ty(
        "agreement.termination_notice_given",
        "Agreement",
        V::Everyone,
        "Notice of termination was given; the termination takes effect later.",
        TERMINATION,
    ),
    ty(
        "agreement.terminated",
        "Agreement",
        V::Everyone,
        "The agreement was terminated.",
        TERMINATION,
    ),
    ty(
        "agreement.measurement_recorded",
        "Agreement",
        V::Everyone,
        "Measurements were recorded for the agreement's metrics.",
        MEASUREMENTS,
    ),
    ty(
        "agreement.metric_at_risk",
        "Agreement",
        V::Everyone,
        "A metric went past its warning threshold in a period.",
        METRIC,
    ),
    ty(
        "agreement.metric_breached",
        "Agreement",
        V::Everyone,
        "A metric missed its target in a period.",
        METRIC,
    ),
    ty(
        "agreement.credit_incurred",
        "Agreement",
        V::Credits,
        "A breach incurred a service credit.",
        CREDIT,
    ),
    ty(
        "agreement.credit_changed",
        "Agreement",
        V::Credits,
        "A service credit's amount changed when its period was computed again.",
        CREDIT_CHANGED,
    ),
    ty(
        "team_member.created",
        "TeamMember",
        V::StaffIdentity,
        "A team member was created.",
        TEAM_MEMBER,
    ),
    ty(
        "team_member.updated",
        "TeamMember",
        V::StaffIdentity,
        "A team member changed (deactivation included).",
        TEAM_MEMBER_UPDATED,
    ),
    ty(
        "partner.created",
        "Partner",
        V::Partners,
        "A partner was created.",
        PARTNER,
    ),
    ty(
        "partner.updated",
        "Partner",
        V::Partners,
        "A partner changed (deactivation included).",
        PARTNER_UPDATED,
    ),
    ty(
        "partner.token_issued",
        "Partner",
        V::Tokens,
        "A token was issued to a partner.",
        &[],
    ),
    ty(
        "token.revoked",
        "Partner",
        V::Tokens,
        "A partner's or team member's token was revoked.",
        &[],
    ),
    ty(
        "webhook.endpoint_disabled",
        "WebhookEndpoint",
        V::Webhooks,
        "An outbound webhook endpoint failed for too long and was disabled.",
        ENDPOINT_DISABLED,
    ),
];
