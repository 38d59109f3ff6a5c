use super::*;

fn amended_target(target: &str) -> Sections {
    let mut sections = complete();
    if let Some(metrics) = sections.metrics.as_mut() {
        metrics[0].target = dec(target);
        metrics[0].warning_threshold = None;
    }
    sections
}

#[test]
fn the_author_cannot_approve_their_own_draft() {
    let mut agreement = submitted(complete());
    let err = agreement
        .approve(AUTHOR, at("2025-12-03"), day("2025-12-03"))
        .expect_err("four-eyes");
    assert!(
        err.to_string()
            .contains("four-eyes rule: alice wrote revision 1"),
        "{err}"
    );
    assert_eq!(agreement.status(), AgreementStatus::PendingApproval);
}

#[test]
fn whoever_edited_or_submitted_a_draft_cannot_approve_it_either() {
    let mut agreement = drafted(Sections::default());
    agreement
        .update_draft(complete(), "carol", at("2025-12-01"))
        .expect("edits");
    agreement.submit("dave", at("2025-12-02")).expect("submits");
    for author in ["carol", "dave"] {
        let current =
            expect_transition(agreement.approve(author, at("2025-12-03"), day("2025-12-03")));
        assert_eq!(current, "PENDING_APPROVAL");
    }
    assert!(
        agreement
            .approve(APPROVER, at("2025-12-03"), day("2025-12-03"))
            .is_ok()
    );
}

#[test]
fn approving_the_first_revision_activates_the_agreement_from_its_effective_date() {
    let mut agreement = submitted(complete());
    let events = agreement
        .approve(APPROVER, at("2025-12-03"), day("2025-12-03"))
        .expect("approves");
    let id = AgreementId::new(1);
    assert_eq!(
        events,
        [
            DomainEvent::AgreementApproved(id),
            DomainEvent::AgreementActivated(id)
        ]
    );
    assert_eq!(agreement.status(), AgreementStatus::Active);
    let revision = agreement.current_revision().expect("approved");
    assert_eq!(revision.approved_by.as_deref(), Some(APPROVER));
    assert_eq!(revision.in_force_from, Some(day("2026-01-01")));
    assert_eq!(
        agreement.term(),
        Some(&Term {
            number: 1,
            start: day("2026-01-01"),
            end: Some(day("2026-12-31"))
        })
    );
    assert!(!agreement.in_force_on(day("2025-12-31")));
    assert!(agreement.in_force_on(day("2026-01-01")));
}

#[test]
fn a_first_revision_that_already_ended_is_refused_on_approval() {
    let mut agreement = submitted(complete());
    let (field, message) =
        expect_invalid(agreement.approve(APPROVER, at("2027-01-05"), day("2027-01-05")));
    assert_eq!(field, "summary.effectiveUntil");
    assert!(message.contains("2026-12-31"), "{message}");
}

#[test]
fn a_rejected_first_revision_goes_back_to_draft_keeping_the_reason() {
    let mut agreement = submitted(complete());
    let event = agreement
        .reject(APPROVER, text("fee too low"), at("2025-12-03"))
        .expect("rejects");
    assert_eq!(event, DomainEvent::AgreementRejected(AgreementId::new(1)));
    assert_eq!(agreement.status(), AgreementStatus::Draft);
    let revision = agreement.latest_revision();
    assert_eq!(revision.status, RevisionStatus::Draft);
    assert_eq!(
        revision.rejection.as_ref().map(|r| r.reason.as_str()),
        Some("fee too low")
    );
    assert!(
        agreement
            .update_draft(complete(), AUTHOR, at("2025-12-04"))
            .is_ok()
    );
}

#[test]
fn an_amendment_is_approved_like_a_draft_and_then_supersedes_the_previous_revision() {
    let mut agreement = active();
    let event = agreement
        .propose_amendment(
            amended_target("30"),
            Some(text("faster")),
            "carol",
            at("2026-06-10"),
        )
        .expect("proposes");
    assert_eq!(event, DomainEvent::AmendmentProposed(AgreementId::new(1)));
    assert_eq!(agreement.pending_amendment().map(|r| r.number), Some(2));
    assert_eq!(agreement.current_revision().map(|r| r.number), Some(1));
    let current =
        expect_transition(agreement.approve("carol", at("2026-06-15"), day("2026-06-15")));
    assert_eq!(current, "ACTIVE");
    let events = agreement
        .approve(APPROVER, at("2026-06-15"), day("2026-06-15"))
        .expect("approves");
    assert_eq!(
        events,
        [
            DomainEvent::AgreementApproved(AgreementId::new(1)),
            DomainEvent::AgreementAmended(AgreementId::new(1))
        ]
    );
    assert_eq!(agreement.current_revision().map(|r| r.number), Some(2));
    assert_eq!(agreement.pending_amendment(), None);
    let revisions: Vec<_> = agreement
        .revisions()
        .iter()
        .map(|r| (r.number, r.status))
        .collect();
    assert_eq!(
        revisions,
        [(1, RevisionStatus::Approved), (2, RevisionStatus::Approved)]
    );
}

#[test]
fn amending_a_target_mid_year_keeps_the_old_target_for_the_days_before_it() {
    let mut agreement = active();
    agreement
        .propose_amendment(amended_target("30"), None, AUTHOR, at("2026-06-10"))
        .expect("proposes");
    agreement
        .approve(APPROVER, at("2026-07-01"), day("2026-07-01"))
        .expect("approves");
    let target_on = |date: &str| {
        agreement
            .revision_in_force_on(day(date))
            .and_then(|r| r.sections.metrics.as_ref())
            .map(|m| m[0].target)
    };
    assert_eq!(target_on("2025-12-31"), None);
    assert_eq!(target_on("2026-03-15"), Some(dec("60")));
    assert_eq!(target_on("2026-06-30"), Some(dec("60")));
    assert_eq!(target_on("2026-07-01"), Some(dec("30")));
    assert_eq!(target_on("2026-11-30"), Some(dec("30")));
}

#[test]
fn a_rejected_amendment_is_kept_and_leaves_the_agreement_as_it_was() {
    let mut agreement = active();
    agreement
        .propose_amendment(amended_target("30"), None, AUTHOR, at("2026-06-10"))
        .expect("proposes");
    agreement
        .reject(APPROVER, text("no"), at("2026-06-11"))
        .expect("rejects");
    assert_eq!(agreement.status(), AgreementStatus::Active);
    assert_eq!(agreement.latest_revision().status, RevisionStatus::Rejected);
    assert_eq!(agreement.current_revision().map(|r| r.number), Some(1));
    assert_eq!(
        agreement
            .revision_in_force_on(day("2026-12-01"))
            .map(|r| r.number),
        Some(1)
    );
    assert!(
        agreement
            .propose_amendment(complete(), None, AUTHOR, at("2026-06-12"))
            .is_ok()
    );
}

#[test]
fn an_incoherent_amendment_lists_every_problem_and_only_one_may_be_pending() {
    let mut agreement = active();
    let mut broken = complete();
    broken.terms = None;
    broken.review = None;
    let err = agreement
        .propose_amendment(broken, None, AUTHOR, at("2026-06-10"))
        .expect_err("incoherent");
    let fields: Vec<_> = err.problems().iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["terms", "reviewAndTermination"]);
    agreement
        .propose_amendment(complete(), None, AUTHOR, at("2026-06-10"))
        .expect("proposes");
    let err = agreement
        .propose_amendment(complete(), None, AUTHOR, at("2026-06-11"))
        .expect_err("one at a time");
    assert!(
        err.to_string().contains("amendment 2 is already pending"),
        "{err}"
    );
}

#[test]
fn an_amendment_that_changes_the_end_date_moves_the_end_of_the_term() {
    let mut agreement = active();
    let mut longer = complete();
    if let Some(summary) = longer.summary.as_mut() {
        summary.effective_until = Some(day("2027-06-30"));
    }
    agreement
        .propose_amendment(longer, None, AUTHOR, at("2026-06-10"))
        .expect("proposes");
    agreement
        .approve(APPROVER, at("2026-06-11"), day("2026-06-11"))
        .expect("approves");
    assert_eq!(agreement.term_end(), Some(day("2027-06-30")));
    assert_eq!(agreement.cancel_by(), Some(day("2027-05-31")));
}

#[test]
fn restoring_the_stored_parts_gives_back_the_same_agreement_and_refuses_broken_ones() {
    let agreement = active();
    assert_eq!(
        Agreement::restore(agreement.parts().clone()),
        Ok(agreement.clone())
    );
    let mut no_term = agreement.clone().into_parts();
    no_term.term = None;
    assert!(Agreement::restore(no_term).is_err());
    let mut no_revisions = agreement.into_parts();
    no_revisions.revisions.clear();
    assert!(Agreement::restore(no_revisions).is_err());
}

#[test]
fn an_amendment_effective_later_is_announced_as_amended_on_its_day_once() {
    let mut agreement = active();
    let mut later = amended_target("30");
    if let Some(summary) = later.summary.as_mut() {
        summary.effective_from = day("2026-08-01");
    }
    agreement
        .propose_amendment(later, None, AUTHOR, at("2026-06-10"))
        .expect("proposes");
    let events = agreement
        .approve(APPROVER, at("2026-07-01"), day("2026-07-01"))
        .expect("approves");
    assert_eq!(
        events,
        [DomainEvent::AgreementApproved(AgreementId::new(1))]
    );
    let amended = |agreement: &mut Agreement, date: &str| {
        agreement
            .tick(day(date), at(date))
            .into_iter()
            .filter(|e| matches!(e, DomainEvent::AgreementAmended(_)))
            .count()
    };
    assert_eq!(amended(&mut agreement, "2026-07-31"), 0);
    assert_eq!(amended(&mut agreement, "2026-08-01"), 1);
    assert_eq!(amended(&mut agreement, "2026-08-02"), 0);
}
