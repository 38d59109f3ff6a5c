use super::*;

const ID: AgreementId = AgreementId::new(1);

fn tick_on(agreement: &mut Agreement, date: &str) -> Vec<DomainEvent> {
    agreement.tick(day(date), at(date))
}

fn notices(events: &[DomainEvent]) -> Vec<u32> {
    events
        .iter()
        .filter_map(|e| match e {
            DomainEvent::NoticeDeadlineApproaching { days, .. } => Some(*days),
            _ => None,
        })
        .collect()
}

/// No review due in 2026 (cadence longer than the term), so only term events show.
fn quiet(change: impl FnOnce(&mut ReviewAndTermination)) -> Agreement {
    active_with(with_review(|r| {
        r.review_every_months = 24;
        change(r);
    }))
}

#[test]
fn a_due_review_is_announced_once_per_review_cycle() {
    let mut agreement = active_with(with_review(|r| r.review_every_months = 3));
    assert_eq!(tick_on(&mut agreement, "2026-03-31"), []);
    assert_eq!(
        tick_on(&mut agreement, "2026-04-01"),
        [DomainEvent::ReviewDue(ID)]
    );
    assert_eq!(tick_on(&mut agreement, "2026-04-02"), []);
    agreement.start_review(at("2026-04-03")).expect("starts");
    assert_eq!(tick_on(&mut agreement, "2026-04-03"), []);
    agreement
        .complete_review(
            ReviewOutcome::Continue,
            None,
            AUTHOR,
            day("2026-04-03"),
            at("2026-04-03"),
        )
        .expect("completes");
    assert_eq!(agreement.next_review_on(), Some(day("2026-07-03")));
    assert_eq!(tick_on(&mut agreement, "2026-07-02"), []);
    assert_eq!(
        tick_on(&mut agreement, "2026-07-03"),
        [DomainEvent::ReviewDue(ID)]
    );
    assert_eq!(tick_on(&mut agreement, "2026-07-04"), []);
}

#[test]
fn the_notice_deadline_is_announced_30_7_and_1_days_before_cancel_by() {
    let mut agreement = quiet(|_| {});
    assert_eq!(agreement.cancel_by(), Some(day("2026-12-01")));
    let mut announced = Vec::new();
    let mut date = day("2026-10-15");
    while date <= day("2026-12-05") {
        let events = agreement.tick(date, at("2026-10-15"));
        announced.extend(notices(&events).into_iter().map(|d| (date.to_string(), d)));
        date = date.succ_opt().expect("next day");
    }
    assert_eq!(
        announced,
        [
            ("2026-11-01".to_owned(), 30),
            ("2026-11-24".to_owned(), 7),
            ("2026-11-30".to_owned(), 1)
        ]
    );
}

#[test]
fn a_run_that_skips_thresholds_announces_only_the_nearest_one_reached() {
    let mut agreement = quiet(|_| {});
    let events = tick_on(&mut agreement, "2026-11-26");
    assert_eq!(
        events,
        [DomainEvent::NoticeDeadlineApproaching {
            agreement: ID,
            days: 5,
            cancel_by: day("2026-12-01"),
        }]
    );
    assert_eq!(
        notices(&tick_on(&mut agreement, "2026-11-27")),
        Vec::<u32>::new()
    );
    assert_eq!(notices(&tick_on(&mut agreement, "2026-11-30")), [1]);
}

#[test]
fn running_the_scheduler_twice_on_the_same_day_announces_nothing_twice() {
    let mut agreement = active();
    let first = tick_on(&mut agreement, "2026-11-01");
    assert_eq!(
        first,
        [
            DomainEvent::ReviewDue(ID),
            DomainEvent::NoticeDeadlineApproaching {
                agreement: ID,
                days: 30,
                cancel_by: day("2026-12-01"),
            }
        ]
    );
    assert_eq!(tick_on(&mut agreement, "2026-11-01"), []);
    let restored = Agreement::restore(agreement.parts().clone()).expect("restores");
    assert_eq!(
        restored.clone().tick(day("2026-11-01"), at("2026-11-01")),
        []
    );
}

#[test]
fn at_the_end_of_its_term_an_auto_renewing_agreement_renews() {
    let mut agreement = quiet(|_| {});
    assert_eq!(tick_on(&mut agreement, "2026-12-31"), []);
    assert_eq!(
        tick_on(&mut agreement, "2027-01-01"),
        [DomainEvent::AgreementRenewed(ID)]
    );
    assert_eq!(agreement.status(), AgreementStatus::Active);
    assert_eq!(
        agreement.term().map(|t| (t.number, t.end)),
        Some((2, Some(day("2027-12-31"))))
    );
    assert_eq!(tick_on(&mut agreement, "2027-01-01"), []);
    // The new term has its own notice deadlines.
    assert_eq!(notices(&tick_on(&mut agreement, "2027-11-01")), [30]);
}

#[test]
fn after_a_long_outage_the_scheduler_renews_as_many_terms_as_needed() {
    let mut agreement = quiet(|r| r.renewal_term_months = Some(3));
    let events = tick_on(&mut agreement, "2027-07-15");
    assert_eq!(
        events,
        [
            DomainEvent::AgreementRenewed(ID),
            DomainEvent::AgreementRenewed(ID),
            DomainEvent::AgreementRenewed(ID)
        ]
    );
    assert_eq!(
        agreement.term().map(|t| (t.number, t.end)),
        Some((4, Some(day("2027-09-30"))))
    );
}

#[test]
fn at_the_end_of_its_term_an_agreement_without_auto_renewal_expires() {
    let mut agreement = quiet(|r| r.auto_renew = false);
    assert!(agreement.in_force_on(day("2026-12-31")));
    assert_eq!(
        tick_on(&mut agreement, "2027-01-01"),
        [DomainEvent::AgreementExpired(ID)]
    );
    assert_eq!(agreement.status(), AgreementStatus::Expired);
    assert!(!agreement.in_force_on(day("2026-12-31")));
    assert_eq!(agreement.next_review_on(), None);
    assert_eq!(tick_on(&mut agreement, "2027-01-02"), []);
}

#[test]
fn notice_of_non_renewal_stops_auto_renewal_and_the_deadline_reminders() {
    let mut agreement = quiet(|_| {});
    let notice = TerminationNotice {
        kind: TerminationKind::NonRenewal,
        reason: text("moving on"),
        effective_on: day("2026-12-31"),
        by: AUTHOR.to_owned(),
    };
    agreement
        .terminate(notice, false, at("2026-10-01"), day("2026-10-01"))
        .expect("notice");
    assert_eq!(tick_on(&mut agreement, "2026-11-30"), []);
    assert_eq!(tick_on(&mut agreement, "2026-12-31"), []);
    assert_eq!(
        tick_on(&mut agreement, "2027-01-01"),
        [DomainEvent::AgreementTerminated(ID)]
    );
    assert_eq!(agreement.status(), AgreementStatus::Terminated);
}

#[test]
fn a_scheduled_termination_ends_the_agreement_on_its_day() {
    let mut agreement = quiet(|_| {});
    let notice = TerminationNotice {
        kind: TerminationKind::Convenience,
        reason: text("budget"),
        effective_on: day("2026-05-01"),
        by: AUTHOR.to_owned(),
    };
    agreement
        .terminate(notice, false, at("2026-03-01"), day("2026-03-01"))
        .expect("notice");
    assert_eq!(tick_on(&mut agreement, "2026-04-30"), []);
    assert_eq!(agreement.status(), AgreementStatus::Active);
    assert_eq!(
        tick_on(&mut agreement, "2026-05-01"),
        [DomainEvent::AgreementTerminated(ID)]
    );
    assert_eq!(agreement.status(), AgreementStatus::Terminated);
    assert_eq!(tick_on(&mut agreement, "2026-05-01"), []);
}

#[test]
fn drafts_and_agreements_awaiting_approval_are_left_alone_by_the_scheduler() {
    assert_eq!(tick_on(&mut drafted(complete()), "2027-06-01"), []);
    assert_eq!(tick_on(&mut submitted(complete()), "2027-06-01"), []);
}

#[test]
fn schedule_markers_round_trip_through_their_stored_form() {
    let markers = [
        ScheduleMarker::ReviewDue(day("2027-01-01")),
        ScheduleMarker::NoticeDeadline { term: 2, days: 30 },
        ScheduleMarker::Amended(3),
    ];
    for marker in markers {
        assert_eq!(ScheduleMarker::parse(&marker.to_string()), Ok(marker));
    }
    for junk in ["", "notice:1", "review_due:tomorrow", "other:1:2"] {
        assert!(ScheduleMarker::parse(junk).is_err(), "{junk}");
    }
}
