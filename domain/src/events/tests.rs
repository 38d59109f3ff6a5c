use std::collections::BTreeSet;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::*;
use crate::agreement::{Comparator, Currency, MeasurementPeriod, MetricKey, Money, Period};
use crate::ids::{AccountId, AgreementId, ContactId, PartnerId, TeamMemberId};
use crate::permissions::Principal;
use crate::role::Role;

fn metric() -> MetricEvent {
    let day = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
    MetricEvent {
        agreement: AgreementId::new(1),
        metric_key: MetricKey::parse("metricKey", "frt").unwrap(),
        metric_name: "First response".into(),
        period: Period::containing(day, MeasurementPeriod::Monthly),
        comparator: Comparator::AtMost,
        target: Decimal::new(60, 0),
        actual: None,
    }
}

fn credit() -> CreditChange {
    let m = metric();
    CreditChange {
        agreement: m.agreement,
        metric_key: m.metric_key,
        period: m.period,
        amount: Money::zero(Currency::parse("currency", "EUR").unwrap()),
        previous: None,
    }
}

/// One of every variant: a new variant fails to compile here until it is listed.
fn every_variant() -> Vec<DomainEvent> {
    use DomainEvent as E;
    let (acc, ag) = (AccountId::new(1), AgreementId::new(1));
    let all = vec![
        E::AccountCreated(acc),
        E::AccountUpdated(acc),
        E::AccountPromoted {
            account: acc,
            reason: "r".into(),
        },
        E::AccountDemoted {
            account: acc,
            reason: "r".into(),
        },
        E::AccountManagerAssigned(acc),
        E::AccountChurned(acc),
        E::AccountDomainsConfirmed(acc),
        E::PartnerReferralCreated {
            account: acc,
            partner: PartnerId::new(1),
        },
        E::ContactCreated(ContactId::new(1)),
        E::ContactUpdated(ContactId::new(1)),
        E::ContactErased(ContactId::new(1)),
        E::TeamMemberCreated(TeamMemberId::new(1)),
        E::TeamMemberUpdated(TeamMemberId::new(1)),
        E::PartnerCreated(PartnerId::new(1)),
        E::PartnerUpdated(PartnerId::new(1)),
        E::PartnerTokenIssued(PartnerId::new(1)),
        E::TokenRevoked,
        E::AgreementDrafted(ag),
        E::AgreementDraftUpdated(ag),
        E::AgreementSubmitted(ag),
        E::AgreementApproved(ag),
        E::AgreementRejected(ag),
        E::AgreementActivated(ag),
        E::AmendmentProposed(ag),
        E::AgreementAmended(ag),
        E::ReviewStarted(ag),
        E::ReviewCompleted(ag),
        E::ReviewDue(ag),
        E::NoticeDeadlineApproaching {
            agreement: ag,
            days: 7,
            cancel_by: NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
        },
        E::AgreementRenewed(ag),
        E::AgreementExpired(ag),
        E::TerminationNoticeGiven(ag),
        E::AgreementTerminated(ag),
        E::MeasurementRecorded(ag),
        E::MetricAtRisk(metric()),
        E::MetricBreached(metric()),
        E::CreditIncurred(credit()),
        E::CreditChanged(credit()),
    ];
    // Keeps the list honest: the match below is exhaustive, so a new variant must be added.
    for e in &all {
        match e {
            E::AccountCreated(_)
            | E::AccountUpdated(_)
            | E::AccountPromoted { .. }
            | E::AccountDemoted { .. }
            | E::AccountManagerAssigned(_)
            | E::AccountChurned(_)
            | E::AccountDomainsConfirmed(_)
            | E::PartnerReferralCreated { .. }
            | E::ContactCreated(_)
            | E::ContactUpdated(_)
            | E::ContactErased(_)
            | E::TeamMemberCreated(_)
            | E::TeamMemberUpdated(_)
            | E::PartnerCreated(_)
            | E::PartnerUpdated(_)
            | E::PartnerTokenIssued(_)
            | E::TokenRevoked
            | E::AgreementDrafted(_)
            | E::AgreementDraftUpdated(_)
            | E::AgreementSubmitted(_)
            | E::AgreementApproved(_)
            | E::AgreementRejected(_)
            | E::AgreementActivated(_)
            | E::AmendmentProposed(_)
            | E::AgreementAmended(_)
            | E::ReviewStarted(_)
            | E::ReviewCompleted(_)
            | E::ReviewDue(_)
            | E::NoticeDeadlineApproaching { .. }
            | E::AgreementRenewed(_)
            | E::AgreementExpired(_)
            | E::TerminationNoticeGiven(_)
            | E::AgreementTerminated(_)
            | E::MeasurementRecorded(_)
            | E::MetricAtRisk(_)
            | E::MetricBreached(_)
            | E::CreditIncurred(_)
            | E::CreditChanged(_) => {}
        }
    }
    all
}

#[test]
fn every_domain_event_has_a_catalogue_entry() {
    for event in every_variant() {
        let info = info(event.kind());
        assert!(info.is_some(), "{} is not in the catalogue", event.kind());
        assert_eq!(event.info().name, event.kind());
    }
}

#[test]
fn the_catalogue_holds_every_agreed_type_once_and_no_other() {
    let agreed = [
        "account.created",
        "account.updated",
        "account.promoted",
        "account.demoted",
        "account.churned",
        "account.manager_assigned",
        "account.domains_confirmed",
        "partner.referral_created",
        "contact.created",
        "contact.updated",
        "contact.erased",
        "agreement.drafted",
        "agreement.draft_updated",
        "agreement.submitted",
        "agreement.approved",
        "agreement.rejected",
        "agreement.activated",
        "agreement.amendment_proposed",
        "agreement.amended",
        "agreement.review_started",
        "agreement.review_due",
        "agreement.review_completed",
        "agreement.notice_deadline_approaching",
        "agreement.renewed",
        "agreement.expired",
        "agreement.termination_notice_given",
        "agreement.terminated",
        "agreement.measurement_recorded",
        "agreement.metric_at_risk",
        "agreement.metric_breached",
        "agreement.credit_incurred",
        "agreement.credit_changed",
        "team_member.created",
        "team_member.updated",
        "partner.created",
        "partner.updated",
        "partner.token_issued",
        "token.revoked",
        "webhook.endpoint_disabled",
    ];
    let names: Vec<&str> = CATALOGUE.iter().map(|t| t.name).collect();
    let unique: BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(
        unique.len(),
        names.len(),
        "a type is listed twice: {names:?}"
    );
    assert_eq!(unique, agreed.into_iter().collect::<BTreeSet<_>>());
}

#[test]
fn every_type_and_field_is_described_and_fields_are_unique_camel_case() {
    for t in CATALOGUE {
        assert!(t.description.ends_with('.'), "{}", t.name);
        assert!(t.version >= 1, "{}", t.name);
        let mut seen = BTreeSet::new();
        for f in t.fields {
            assert!(seen.insert(f.name), "{}.{} twice", t.name, f.name);
            assert!(!f.description.is_empty(), "{}.{}", t.name, f.name);
            assert!(
                f.name.chars().all(|c| c.is_ascii_alphanumeric())
                    && f.name.starts_with(|c: char| c.is_ascii_lowercase()),
                "{}.{} is not camelCase",
                t.name,
                f.name
            );
        }
    }
}

#[test]
fn the_metric_and_credit_events_carry_the_metric_key_and_period() {
    for name in [
        "agreement.metric_at_risk",
        "agreement.metric_breached",
        "agreement.credit_incurred",
        "agreement.credit_changed",
    ] {
        let fields: Vec<&str> = info(name).unwrap().fields.iter().map(|f| f.name).collect();
        for needed in ["metricKey", "periodStart", "periodEnd"] {
            assert!(fields.contains(&needed), "{name} lacks {needed}");
        }
    }
    let notice: Vec<&str> = info("agreement.notice_deadline_approaching")
        .unwrap()
        .fields
        .iter()
        .map(|f| f.name)
        .collect();
    assert!(notice.contains(&"days") && notice.contains(&"cancelBy"));
}

fn staff(role: Role) -> Principal {
    Principal::Staff {
        member: TeamMemberId::new(9),
        role,
    }
}

fn partner() -> Principal {
    Principal::Partner {
        partner: PartnerId::new(3),
        scopes: crate::permissions::Scopes::ALL,
    }
}

#[test]
fn each_role_reads_the_classes_its_graphql_reads_allow() {
    use Visibility as V;
    // (reader, the classes it reads; every other class is hidden).
    let table: [(&str, Principal, &[V]); 5] = [
        ("admin", staff(Role::Admin), &V::ALL),
        (
            "account manager",
            staff(Role::AccountManager),
            &[
                V::Everyone,
                V::Staff,
                V::Terms,
                V::Money,
                V::Credits,
                V::StaffIdentity,
                V::Partners,
            ],
        ),
        (
            "viewer",
            staff(Role::Viewer),
            &[
                V::Everyone,
                V::Staff,
                V::Terms,
                V::Money,
                V::Credits,
                V::StaffIdentity,
                V::Partners,
            ],
        ),
        (
            "support agent",
            staff(Role::SupportAgent),
            &[V::Everyone, V::Staff, V::StaffIdentity, V::Partners],
        ),
        ("partner", partner(), &[V::Everyone]),
    ];
    for (name, reader, allowed) in table {
        for class in V::ALL {
            assert_eq!(
                may_read(&reader, class),
                allowed.contains(&class),
                "{name} reading {}",
                class.as_str()
            );
        }
    }
}

#[test]
fn a_partner_receives_no_type_about_credits_team_partners_tokens_or_webhooks() {
    let received: BTreeSet<&str> = CATALOGUE
        .iter()
        .filter(|t| may_receive(&partner(), t))
        .map(|t| t.name)
        .collect();
    for hidden in [
        "agreement.credit_incurred",
        "agreement.credit_changed",
        "account.manager_assigned",
        "team_member.created",
        "team_member.updated",
        "partner.created",
        "partner.token_issued",
        "token.revoked",
        "webhook.endpoint_disabled",
    ] {
        assert!(!received.contains(hidden), "a partner receives {hidden}");
    }
    for shown in [
        "account.promoted",
        "partner.referral_created",
        "agreement.metric_breached",
        "agreement.notice_deadline_approaching",
    ] {
        assert!(received.contains(shown), "a partner misses {shown}");
    }
    // Whatever a partner receives, it reads none of the fee, terms, credits or staff ids.
    for t in CATALOGUE.iter().filter(|t| may_receive(&partner(), t)) {
        for f in t
            .fields
            .iter()
            .filter(|f| may_read(&partner(), f.visibility))
        {
            assert_eq!(f.visibility, Visibility::Everyone, "{}.{}", t.name, f.name);
        }
    }
}

#[test]
fn a_support_agent_reads_no_money_or_terms_field() {
    let agent = staff(Role::SupportAgent);
    let approved = info("agreement.approved").unwrap();
    assert!(may_receive(&agent, approved));
    let fields: Vec<&str> = approved
        .fields
        .iter()
        .filter(|f| may_read(&agent, f.visibility))
        .map(|f| f.name)
        .collect();
    assert!(!fields.contains(&"fee"), "{fields:?}");
    assert!(fields.contains(&"status"), "{fields:?}");
    assert!(!may_receive(
        &agent,
        info("agreement.credit_incurred").unwrap()
    ));
}
