//! Every rule and its exclusions, as a table: (event type, facts) → who gets which kind.

use chrono::NaiveDate;

use super::{Audience, Facts, Member, NotificationKind as K, notices_for, recipients};
use crate::ids::TeamMemberId;
use crate::role::Role;

const ALICE: i64 = 1; // admin, wrote the draft
const BOB: i64 = 2; // admin
const CAROL: i64 = 3; // admin, inactive
const DAN: i64 = 4; // account manager of the account
const ERIN: i64 = 5; // account manager of another account
const FRED: i64 = 6; // support agent
const GINA: i64 = 7; // admin, edited the draft

fn m(id: i64) -> TeamMemberId {
    TeamMemberId::new(id)
}

fn team() -> Vec<Member> {
    let member = |id, role, active| Member {
        id: m(id),
        role,
        active,
    };
    vec![
        member(ALICE, Role::Admin, true),
        member(BOB, Role::Admin, true),
        member(CAROL, Role::Admin, false),
        member(DAN, Role::AccountManager, true),
        member(ERIN, Role::AccountManager, true),
        member(FRED, Role::SupportAgent, true),
        member(GINA, Role::Admin, true),
    ]
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 3, d).expect("date")
}

/// Who receives each kind, in kind order: `[(kind, [member ids])]`.
type Outcome = Vec<(K, Vec<i64>)>;

/// One row of the table: what it shows, the event type, its facts, the outcome.
type Case = (&'static str, &'static str, Facts, Outcome);

fn outcome(event_type: &str, facts: &Facts) -> Outcome {
    let mut out: Outcome = notices_for(event_type, facts)
        .into_iter()
        .map(|n| {
            let ids = recipients(&n.audiences, &team(), facts.actor)
                .into_iter()
                .map(TeamMemberId::get)
                .collect();
            (n.kind, ids)
        })
        .collect();
    out.sort();
    out
}

fn managed() -> Facts {
    Facts {
        subject_name: "Acme support".into(),
        account_manager: Some(m(DAN)),
        ..Facts::default()
    }
}

#[test]
fn every_rule_addresses_exactly_the_members_it_documents() {
    let cases: Vec<Case> = vec![
        (
            "a submitted agreement goes to the admins who did not write it, never to an inactive one",
            "agreement.submitted",
            Facts {
                actor: Some(m(ALICE)),
                authors: vec![m(ALICE), m(GINA)],
                ..managed()
            },
            vec![(K::ApprovalWaiting, vec![BOB])],
        ),
        (
            "a submitter who is not the author is an author too",
            "agreement.submitted",
            Facts {
                actor: Some(m(DAN)),
                authors: vec![m(DAN), m(BOB)],
                ..managed()
            },
            vec![(K::ApprovalWaiting, vec![ALICE, GINA])],
        ),
        (
            "a proposed amendment waits for approval like a draft",
            "agreement.amendment_proposed",
            Facts {
                actor: Some(m(DAN)),
                authors: vec![m(DAN)],
                ..managed()
            },
            vec![(K::ApprovalWaiting, vec![ALICE, BOB, GINA])],
        ),
        (
            "a metric at risk goes to the account's manager only",
            "agreement.metric_at_risk",
            Facts {
                actor: Some(m(FRED)),
                ..managed()
            },
            vec![(K::MetricAtRisk, vec![DAN])],
        ),
        (
            "a breach without an escalation goes to the account's manager only",
            "agreement.metric_breached",
            Facts {
                actor: Some(m(FRED)),
                metric_key: Some("csat".into()),
                ..managed()
            },
            vec![(K::MetricBreached, vec![DAN])],
        ),
        (
            "a breach escalated to ADMIN reaches every active admin and the manager",
            "agreement.metric_breached",
            Facts {
                actor: Some(m(FRED)),
                escalations: vec![Role::Admin, Role::Admin],
                ..managed()
            },
            vec![
                (K::MetricBreached, vec![DAN]),
                (K::Escalation, vec![ALICE, BOB, GINA]),
            ],
        ),
        (
            "an escalation to ACCOUNT_MANAGER reaches every account manager",
            "agreement.metric_breached",
            Facts {
                escalations: vec![Role::AccountManager],
                ..managed()
            },
            vec![
                (K::MetricBreached, vec![DAN]),
                (K::Escalation, vec![DAN, ERIN]),
            ],
        ),
        (
            "the manager who recorded the breach is not told of it",
            "agreement.metric_breached",
            Facts {
                actor: Some(m(DAN)),
                escalations: vec![Role::AccountManager],
                ..managed()
            },
            vec![(K::MetricBreached, vec![]), (K::Escalation, vec![ERIN])],
        ),
        (
            "a breach on an account without a manager tells no manager",
            "agreement.metric_breached",
            Facts {
                subject_name: "x".into(),
                ..Facts::default()
            },
            vec![(K::MetricBreached, vec![])],
        ),
        (
            "a notice deadline goes to the account's manager",
            "agreement.notice_deadline_approaching",
            Facts {
                days_to_cancel_by: Some(7),
                cancel_by: Some(day(8)),
                ..managed()
            },
            vec![(K::NoticeDeadline, vec![DAN])],
        ),
        (
            "a due review goes to the account's manager",
            "agreement.review_due",
            Facts {
                review_due_on: Some(day(1)),
                today: Some(day(1)),
                ..managed()
            },
            vec![(K::ReviewDue, vec![DAN])],
        ),
        (
            "a partner referral goes to every active admin",
            "partner.referral_created",
            Facts {
                subject_name: "Globex".into(),
                ..Facts::default()
            },
            vec![(K::PartnerReferral, vec![ALICE, BOB, GINA])],
        ),
        (
            "an admin who records a referral for a partner is not told of it",
            "partner.referral_created",
            Facts {
                actor: Some(m(BOB)),
                ..Facts::default()
            },
            vec![(K::PartnerReferral, vec![ALICE, GINA])],
        ),
        (
            "a disabled endpoint goes to its staff owner",
            "webhook.endpoint_disabled",
            Facts {
                endpoint_owner: Some(m(ERIN)),
                ..Facts::default()
            },
            vec![(K::EndpointDisabled, vec![ERIN])],
        ),
        (
            "a partner's disabled endpoint goes to the admins",
            "webhook.endpoint_disabled",
            Facts {
                endpoint_owner: None,
                ..Facts::default()
            },
            vec![(K::EndpointDisabled, vec![ALICE, BOB, GINA])],
        ),
        (
            "an inactive owner is not notified",
            "webhook.endpoint_disabled",
            Facts {
                endpoint_owner: Some(m(CAROL)),
                ..Facts::default()
            },
            vec![(K::EndpointDisabled, vec![])],
        ),
    ];
    for (case, event_type, facts, expected) in cases {
        assert_eq!(outcome(event_type, &facts), expected, "{case}");
    }
}

#[test]
fn events_without_a_rule_notify_nobody() {
    for event_type in [
        "account.created",
        "agreement.approved",
        "agreement.drafted",
        "agreement.measurement_recorded",
        "agreement.credit_incurred",
        "contact.erased",
        "",
    ] {
        assert!(
            notices_for(event_type, &managed()).is_empty(),
            "{event_type}"
        );
    }
}

#[test]
fn a_review_past_its_day_reads_as_overdue_and_the_deadline_names_its_days() {
    let overdue = notices_for(
        "agreement.review_due",
        &Facts {
            review_due_on: Some(day(1)),
            today: Some(day(9)),
            ..managed()
        },
    );
    assert_eq!(overdue[0].title, "Review overdue: Acme support");
    assert!(
        overdue[0].body.contains("was due on 2027-03-01"),
        "{}",
        overdue[0].body
    );
    for (days, words) in [(30, "in 30 days"), (7, "in 7 days"), (1, "in 1 day")] {
        let n = notices_for(
            "agreement.notice_deadline_approaching",
            &Facts {
                days_to_cancel_by: Some(days),
                cancel_by: Some(day(20)),
                ..managed()
            },
        );
        assert_eq!(n[0].title, format!("Notice deadline {words}: Acme support"));
        assert!(n[0].body.contains("cancel by 2027-03-20"), "{}", n[0].body);
    }
    let escalated = notices_for(
        "agreement.metric_breached",
        &Facts {
            metric_key: Some("csat".into()),
            escalations: vec![Role::Admin],
            ..managed()
        },
    );
    assert!(escalated[1].body.contains("Metric `csat`") && escalated[1].body.contains("ADMIN"));
}

#[test]
fn a_role_audience_never_names_partners_and_a_member_audience_needs_the_member_active() {
    let partner = Member {
        id: m(9),
        role: Role::Partner,
        active: true,
    };
    assert!(recipients(&[Audience::Role(Role::Partner)], &[partner], None).is_empty());
    assert_eq!(
        recipients(&[Audience::Member(m(9))], &[partner], None),
        vec![m(9)]
    );
    assert!(recipients(&[Audience::Member(m(CAROL))], &team(), None).is_empty());
    assert_eq!(
        recipients(
            &[Audience::Member(m(BOB)), Audience::Role(Role::Admin)],
            &team(),
            Some(m(ALICE))
        ),
        vec![m(BOB), m(GINA)],
        "once each, without the actor"
    );
}

#[test]
fn kinds_parse_back_from_their_names() {
    for kind in K::ALL {
        assert_eq!(K::parse(kind.as_str()), Some(kind));
    }
    assert_eq!(K::parse("approval_waiting"), None);
}
