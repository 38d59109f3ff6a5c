//! The catalogue of event types: every type's name, version, aggregate, description and
//! payload fields, each field with the [`Visibility`] class that decides who reads it.
//!
//! This is the single source the generated JSON Schema, the `eventTypes` query and the
//! webhook endpoint validation are built from. Versioning: adding a field (or a type) keeps
//! the version; renaming, removing or retyping a field bumps it.

use super::field::FieldInfo;
use super::payloads::{
    ACCOUNT, ACCOUNT_STATUS, ACCOUNT_UPDATED, AGREEMENT, AGREEMENT_TERM, CONTACT_CREATED,
    CONTACT_ERASED, CONTACT_UPDATED, CREDIT, CREDIT_CHANGED, DOMAINS, ENDPOINT_DISABLED,
    MANAGER_ASSIGNED, MEASUREMENTS, METRIC, NOTICE, PARTNER, PARTNER_UPDATED, REFERRAL,
    RELATIONSHIP_CHANGE, TEAM_MEMBER, TEAM_MEMBER_UPDATED, TERMINATION,
};
use super::visibility::Visibility;
use Visibility as V;

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
