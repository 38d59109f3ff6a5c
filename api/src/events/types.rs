//! The event types endpoints may subscribe to (EVENT-TYPES: the agreed names). The catalogue
//! (`domain::events::catalogue`) is to replace this list with its own: keep it the one list.

/// One event type and whether a partner may receive it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventType {
    /// The type's name (`agreement.metric_breached`).
    pub name: &'static str,
    /// Whether a partner may receive it (about the accounts it referred): never for credits,
    /// the team, partners, tokens or webhook endpoints.
    pub partners: bool,
}

const fn t(name: &'static str, partners: bool) -> EventType {
    EventType { name, partners }
}

/// Every event type.
pub const EVENT_TYPES: &[EventType] = &[
    t("account.created", true),
    t("account.updated", true),
    t("account.promoted", true),
    t("account.demoted", true),
    t("account.churned", true),
    t("account.manager_assigned", true),
    t("account.domains_confirmed", true),
    t("partner.referral_created", true),
    t("contact.created", true),
    t("contact.updated", true),
    t("contact.erased", true),
    t("agreement.drafted", true),
    t("agreement.draft_updated", true),
    t("agreement.submitted", true),
    t("agreement.approved", true),
    t("agreement.rejected", true),
    t("agreement.activated", true),
    t("agreement.amendment_proposed", true),
    t("agreement.amended", true),
    t("agreement.review_started", true),
    t("agreement.review_due", true),
    t("agreement.review_completed", true),
    t("agreement.notice_deadline_approaching", true),
    t("agreement.renewed", true),
    t("agreement.expired", true),
    t("agreement.termination_notice_given", true),
    t("agreement.terminated", true),
    t("agreement.measurement_recorded", true),
    t("agreement.metric_at_risk", true),
    t("agreement.metric_breached", true),
    t("agreement.credit_incurred", false),
    t("agreement.credit_changed", false),
    t("team_member.created", false),
    t("team_member.updated", false),
    t("partner.created", false),
    t("partner.updated", false),
    t("partner.token_issued", false),
    t("token.revoked", false),
    t("webhook.endpoint_disabled", false),
];

/// The type named `name`, if there is one.
pub fn event_type(name: &str) -> Option<&'static EventType> {
    EVENT_TYPES.iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_partners_never_get_credits_or_staff_matters() {
        let mut names: Vec<_> = EVENT_TYPES.iter().map(|t| t.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EVENT_TYPES.len());
        for t in EVENT_TYPES {
            let staff_only = t.name.contains("credit")
                || t.name.starts_with("team_member.")
                || t.name.starts_with("token.")
                || t.name.starts_with("webhook.")
                || (t.name.starts_with("partner.") && t.name != "partner.referral_created");
            assert_eq!(t.partners, !staff_only, "{}", t.name);
        }
        assert!(event_type("agreement.metric_breached").is_some());
        assert!(event_type("contact.changed").is_none());
    }
}
