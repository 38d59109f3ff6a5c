use super::*;

fn notice(kind: TerminationKind, effective_on: &str) -> TerminationNotice {
    TerminationNotice {
        kind,
        reason: text("we part ways"),
        effective_on: day(effective_on),
        by: AUTHOR.to_owned(),
    }
}

const TODAY: &str = "2026-03-01";

fn terminate(
    agreement: &mut Agreement,
    kind: TerminationKind,
    effective_on: &str,
    right: bool,
) -> Result<DomainEvent, DomainError> {
    agreement.terminate(notice(kind, effective_on), right, at(TODAY), day(TODAY))
}

#[test]
fn convenience_termination_exactly_at_the_end_of_the_notice_period_is_accepted() {
    let mut agreement = active();
    let event = terminate(
        &mut agreement,
        TerminationKind::Convenience,
        "2026-03-31",
        false,
    )
    .expect("accepted");
    assert_eq!(
        event,
        DomainEvent::TerminationNoticeGiven(AgreementId::new(1))
    );
    assert_eq!(agreement.status(), AgreementStatus::Active);
    assert!(agreement.in_force_on(day("2026-03-30")));
    assert!(!agreement.in_force_on(day("2026-03-31")));
    let recorded = agreement.termination().expect("recorded");
    assert_eq!(
        (recorded.kind, recorded.effective_on),
        (TerminationKind::Convenience, day("2026-03-31"))
    );
    assert_eq!(recorded.notice_given_at, at(TODAY));
}

#[test]
fn convenience_termination_a_day_too_early_is_refused_naming_the_earliest_date() {
    let mut agreement = active();
    let (field, message) = expect_invalid(terminate(
        &mut agreement,
        TerminationKind::Convenience,
        "2026-03-30",
        false,
    ));
    assert_eq!(field, "effectiveOn");
    assert_eq!(
        message,
        "must be on or after 2026-03-31 (notice period of 30 days)"
    );
    assert_eq!(agreement.termination(), None);
}

#[test]
fn termination_dates_in_the_past_or_after_the_term_are_refused() {
    let cases = [
        (
            TerminationKind::Convenience,
            "2026-02-28",
            "must not be in the past",
        ),
        (
            TerminationKind::Convenience,
            "2027-01-01",
            "must be on or before 2026-12-31",
        ),
        (
            TerminationKind::ForCause,
            "2027-01-01",
            "must be on or before 2026-12-31",
        ),
        (
            TerminationKind::NonRenewal,
            "2026-12-30",
            "at the end of the term: 2026-12-31",
        ),
    ];
    for (kind, date, expected) in cases {
        let (field, message) = expect_invalid(terminate(&mut active(), kind, date, true));
        assert_eq!(field, "effectiveOn", "{kind} {date}");
        assert!(message.contains(expected), "{kind} {date}: {message}");
    }
}

#[test]
fn notice_of_non_renewal_is_accepted_until_cancel_by_and_refused_a_day_later() {
    let mut agreement = active();
    assert_eq!(agreement.cancel_by(), Some(day("2026-12-01")));
    let on_time = agreement.clone().terminate(
        notice(TerminationKind::NonRenewal, "2026-12-31"),
        false,
        at("2026-12-01"),
        day("2026-12-01"),
    );
    assert_eq!(
        on_time,
        Ok(DomainEvent::TerminationNoticeGiven(AgreementId::new(1)))
    );
    let (field, message) = expect_invalid(agreement.terminate(
        notice(TerminationKind::NonRenewal, "2026-12-31"),
        false,
        at("2026-12-02"),
        day("2026-12-02"),
    ));
    assert_eq!(field, "effectiveOn");
    assert_eq!(
        message,
        "must be on or after 2027-01-01 (notice period of 30 days), but the term ends on 2026-12-31; notice was due by 2026-12-01"
    );
}

#[test]
fn a_non_renewal_keeps_the_agreement_in_force_through_the_last_day_of_the_term() {
    let mut agreement = active();
    terminate(
        &mut agreement,
        TerminationKind::NonRenewal,
        "2026-12-31",
        false,
    )
    .expect("notice");
    assert!(agreement.in_force_on(day("2026-12-31")));
    assert!(!agreement.in_force_on(day("2027-01-01")));
}

#[test]
fn for_cause_termination_is_immediate_when_a_termination_right_exists() {
    let mut agreement = active();
    let event = terminate(&mut agreement, TerminationKind::ForCause, TODAY, true).expect("ends");
    assert_eq!(event, DomainEvent::AgreementTerminated(AgreementId::new(1)));
    assert_eq!(agreement.status(), AgreementStatus::Terminated);
    assert!(!agreement.in_force_on(day(TODAY)));
    assert_eq!(agreement.agreement_in_force("x", day(TODAY)), None);
}

#[test]
fn for_cause_termination_without_a_termination_right_is_refused() {
    let mut agreement = active();
    let current = expect_transition(terminate(
        &mut agreement,
        TerminationKind::ForCause,
        TODAY,
        false,
    ));
    assert_eq!(current, "ACTIVE");
    assert_eq!(agreement.status(), AgreementStatus::Active);
}

#[test]
fn a_second_notice_is_refused_but_a_termination_for_cause_may_replace_it() {
    let mut agreement = active();
    terminate(
        &mut agreement,
        TerminationKind::Convenience,
        "2026-06-01",
        false,
    )
    .expect("notice");
    let err = terminate(
        &mut agreement,
        TerminationKind::Convenience,
        "2026-07-01",
        false,
    )
    .expect_err("already given");
    assert!(
        err.to_string()
            .contains("already given on 2026-03-01; it ends on 2026-06-01"),
        "{err}"
    );
    terminate(&mut agreement, TerminationKind::ForCause, TODAY, true).expect("replaces");
    assert_eq!(
        agreement.termination().map(|t| t.kind),
        Some(TerminationKind::ForCause)
    );
    assert_eq!(agreement.status(), AgreementStatus::Terminated);
}

#[test]
fn only_an_approved_agreement_that_has_not_ended_can_be_terminated() {
    let mut ended = active();
    terminate(&mut ended, TerminationKind::ForCause, TODAY, true).expect("ends");
    let states = [drafted(complete()), submitted(complete()), ended];
    for mut agreement in states {
        let state = agreement.status().as_str();
        let result = terminate(
            &mut agreement,
            TerminationKind::Convenience,
            "2026-06-01",
            false,
        );
        assert_eq!(expect_transition(result), state);
    }
}

#[test]
fn an_open_ended_agreement_cannot_be_non_renewed_but_can_be_ended_for_convenience() {
    let mut sections = with_review(|r| r.auto_renew = false);
    if let Some(summary) = sections.summary.as_mut() {
        summary.effective_until = None;
    }
    let mut agreement = active_with(sections);
    let (field, _) = expect_invalid(terminate(
        &mut agreement,
        TerminationKind::NonRenewal,
        "2030-01-01",
        false,
    ));
    assert_eq!(field, "kind");
    assert!(
        terminate(
            &mut agreement,
            TerminationKind::Convenience,
            "2030-01-01",
            false
        )
        .is_ok()
    );
}
