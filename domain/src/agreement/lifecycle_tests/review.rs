use super::*;
use crate::account::{
    Account, AccountKind, AccountParts, AccountStatus, AcquisitionChannel, RelationshipType,
};
use crate::ids::TeamMemberId;

#[test]
fn the_first_review_is_due_the_cadence_after_the_effective_date() {
    assert_eq!(drafted(complete()).next_review_on(), None);
    assert_eq!(active().next_review_on(), Some(day("2026-07-01")));
}

#[test]
fn a_completed_review_returns_the_agreement_to_active_and_moves_the_next_review() {
    let mut agreement = active();
    let event = agreement.start_review(at("2026-06-20")).expect("starts");
    assert_eq!(event, DomainEvent::ReviewStarted(AgreementId::new(1)));
    assert_eq!(agreement.status(), AgreementStatus::UnderReview);
    assert!(agreement.in_force_on(day("2026-06-20")));
    let event = agreement
        .complete_review(
            ReviewOutcome::Continue,
            Some(text("all good")),
            "carol",
            day("2026-06-25"),
            at("2026-06-25"),
        )
        .expect("completes");
    assert_eq!(event, DomainEvent::ReviewCompleted(AgreementId::new(1)));
    assert_eq!(agreement.status(), AgreementStatus::Active);
    assert_eq!(
        agreement.reviews(),
        [Review {
            held_on: day("2026-06-25"),
            outcome: ReviewOutcome::Continue,
            notes: Some(text("all good")),
            held_by: "carol".to_owned(),
        }]
    );
    assert_eq!(agreement.next_review_on(), Some(day("2026-12-25")));
}

#[test]
fn cancel_by_is_the_term_end_minus_the_notice_period() {
    let open_ended = {
        let mut sections = with_review(|r| r.auto_renew = false);
        if let Some(summary) = sections.summary.as_mut() {
            summary.effective_until = None;
        }
        sections
    };
    let cases = [
        (
            "draft, from its sections",
            drafted(complete()).cancel_by(),
            Some(day("2026-12-01")),
        ),
        (
            "active, 30 days",
            active().cancel_by(),
            Some(day("2026-12-01")),
        ),
        (
            "active, 90 days",
            active_with(with_review(|r| r.notice_period_days = 90)).cancel_by(),
            Some(day("2026-10-02")),
        ),
        (
            "no notice period",
            active_with(with_review(|r| r.notice_period_days = 0)).cancel_by(),
            Some(day("2026-12-31")),
        ),
        ("open-ended", active_with(open_ended).cancel_by(), None),
    ];
    for (name, got, want) in cases {
        assert_eq!(got, want, "case: {name}");
    }
}

#[test]
fn renewal_extends_the_term_by_the_renewal_term() {
    let mut agreement = active_with(with_review(|r| r.renewal_term_months = Some(6)));
    let event = agreement.renew(at("2026-11-01")).expect("renews");
    assert_eq!(event, DomainEvent::AgreementRenewed(AgreementId::new(1)));
    assert_eq!(
        agreement.term(),
        Some(&Term {
            number: 2,
            start: day("2027-01-01"),
            end: Some(day("2027-06-30"))
        })
    );
    assert_eq!(agreement.cancel_by(), Some(day("2027-05-31")));
    assert!(agreement.in_force_on(day("2027-03-01")));
    assert!(!agreement.in_force_on(day("2027-07-01")));
}

#[test]
fn renewal_without_a_renewal_term_repeats_the_length_of_the_original_term() {
    let cases = [
        ("2026-01-01", "2026-12-31", "2027-01-01", "2027-12-31"),
        ("2026-02-01", "2026-04-30", "2026-05-01", "2026-07-31"),
        ("2026-01-10", "2026-01-19", "2026-01-20", "2026-01-29"),
    ];
    for (from, until, next_start, next_end) in cases {
        let mut sections = with_review(|r| {
            r.auto_renew = false;
            r.renewal_term_months = None;
            r.notice_period_days = 1;
        });
        if let Some(summary) = sections.summary.as_mut() {
            summary.effective_from = day(from);
            summary.effective_until = Some(day(until));
        }
        let mut agreement = active_with(sections);
        agreement.renew(at("2026-01-05")).expect("renews");
        let term = agreement.term().copied().expect("term");
        assert_eq!(
            (term.start, term.end),
            (day(next_start), Some(day(next_end))),
            "{from}..{until}"
        );
    }
}

#[test]
fn renewal_is_refused_after_notice_of_non_renewal_and_for_open_ended_agreements() {
    let mut agreement = active();
    let notice = TerminationNotice {
        kind: TerminationKind::NonRenewal,
        reason: text("moving on"),
        effective_on: day("2026-12-31"),
        by: AUTHOR.to_owned(),
    };
    agreement
        .terminate(notice, false, at("2026-10-01"), day("2026-10-01"))
        .expect("notice");
    let err = agreement.renew(at("2026-10-02")).expect_err("no renewal");
    assert!(
        err.to_string()
            .contains("notice of NON_RENEWAL was given on 2026-10-01"),
        "{err}"
    );

    let mut sections = with_review(|r| r.auto_renew = false);
    if let Some(summary) = sections.summary.as_mut() {
        summary.effective_until = None;
    }
    let err = active_with(sections)
        .renew(at("2026-10-02"))
        .expect_err("open-ended");
    assert!(err.to_string().contains("open-ended"), "{err}");
}

#[test]
fn an_agreement_that_binds_the_account_refuses_its_demotion_naming_it() {
    let agreement = active();
    let mut account = Account::restore(AccountParts {
        id: AccountId::new(7),
        name: Text::name("name", "Acme").expect("name"),
        kind: AccountKind::Organization,
        relationship: RelationshipType::Client,
        account_manager: Some(TeamMemberId::new(3)),
        parent: None,
        domains: vec![],
        acquisition_channel: AcquisitionChannel::Direct,
        partner: None,
        created_by: None,
        status: AccountStatus::Active,
        churned_at: None,
        version: 1,
        created_at: at("2025-01-01"),
        updated_at: at("2025-01-01"),
        external: None,
    })
    .expect("account");
    // Approved but starting next month: it binds already.
    let in_force = agreement.agreement_in_force("QWdyZWVtZW50OjE", day("2025-12-15"));
    assert_eq!(
        in_force.as_ref().map(|a| a.title.as_str()),
        Some("Managed support")
    );
    let err = account
        .demote_to_customer(text("ended"), in_force.as_ref(), AUTHOR, at("2025-12-15"))
        .expect_err("refused");
    assert!(err.to_string().contains("QWdyZWVtZW50OjE"), "{err}");
    assert_eq!(agreement.agreement_in_force("x", day("2027-01-01")), None);
    assert_eq!(
        submitted(complete()).agreement_in_force("x", day("2026-02-01")),
        None
    );
}
