//! The `data` fields of each event type, shared where types carry the same data.

use super::field::{FieldInfo, FieldType, field, nullable};
use super::visibility::Visibility;

use FieldType as T;
use Visibility as V;

pub(super) const RELATIONSHIP: FieldType = T::Enum(&["CUSTOMER", "CLIENT"]);
pub(super) const CHANGED: FieldInfo = field(
    "changed",
    T::StringList,
    V::Everyone,
    "The names of the fields that changed (never their values).",
);

pub(super) const ACCOUNT: &[FieldInfo] = &[
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
pub(super) const ACCOUNT_UPDATED: &[FieldInfo] = &[
    field(
        "name",
        T::String,
        V::Everyone,
        "The account's name after the change.",
    ),
    CHANGED,
];
pub(super) const RELATIONSHIP_CHANGE: &[FieldInfo] = &[
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
pub(super) const MANAGER_ASSIGNED: &[FieldInfo] = &[
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
pub(super) const ACCOUNT_STATUS: &[FieldInfo] = &[field(
    "status",
    T::Enum(&["ACTIVE", "CHURNED"]),
    V::Everyone,
    "The account's status after the change.",
)];
pub(super) const DOMAINS: &[FieldInfo] = &[field(
    "confirmedDomains",
    T::StringList,
    V::Everyone,
    "Every confirmed email domain of the account (they route new contacts to it).",
)];
pub(super) const REFERRAL: &[FieldInfo] = &[
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
pub(super) const CONTACT_ACCOUNT: FieldInfo = field(
    "accountId",
    T::GlobalId,
    V::Everyone,
    "The account the contact belongs to.",
);
pub(super) const CONTACT_CREATED: &[FieldInfo] = &[
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
pub(super) const CONTACT_UPDATED: &[FieldInfo] = &[CONTACT_ACCOUNT, CHANGED];
pub(super) const CONTACT_ERASED: &[FieldInfo] = &[CONTACT_ACCOUNT];
pub(super) const TEAM_MEMBER: &[FieldInfo] = &[
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
pub(super) const TEAM_MEMBER_UPDATED: &[FieldInfo] = &[
    field("name", T::String, V::StaffIdentity, "The member's name."),
    CHANGED,
];
pub(super) const PARTNER: &[FieldInfo] = &[
    field("name", T::String, V::Partners, "The partner's name."),
    field(
        "active",
        T::Boolean,
        V::Partners,
        "Whether the partner is active.",
    ),
];
pub(super) const PARTNER_UPDATED: &[FieldInfo] = &[
    field("name", T::String, V::Partners, "The partner's name."),
    CHANGED,
];
pub(super) const AGREEMENT: &[FieldInfo] = &[
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
pub(super) const AGREEMENT_TERM: &[FieldInfo] = &[
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
pub(super) const TERMINATION: &[FieldInfo] = &[
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
pub(super) const NOTICE: &[FieldInfo] = &[
    field(
        "days",
        T::Integer,
        V::Everyone,
        "Days left until cancelBy: 30, 7 or 1 (fewer when a scheduler run was missed).",
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
pub(super) const MEASUREMENTS: &[FieldInfo] = &[
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
pub(super) const PERIOD: [FieldInfo; 3] = [
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
pub(super) const METRIC: &[FieldInfo] = &[
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
pub(super) const CREDIT: &[FieldInfo] = &[
    PERIOD[0],
    PERIOD[1],
    PERIOD[2],
    field("amount", T::Money, V::Credits, "The credit owed."),
];
pub(super) const CREDIT_CHANGED: &[FieldInfo] = &[
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
pub(super) const ENDPOINT_DISABLED: &[FieldInfo] = &[
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
