use super::*;

#[test]
fn every_illegal_transition_names_the_current_state() {
    let under_review = || {
        let mut a = active();
        a.start_review(at("2026-03-01")).expect("starts");
        a
    };
    let terminated = || {
        let mut a = active();
        let notice = TerminationNotice {
            kind: TerminationKind::ForCause,
            reason: text("breaches"),
            effective_on: day("2026-03-01"),
            by: AUTHOR.to_owned(),
        };
        a.terminate(notice, true, at("2026-03-01"), day("2026-03-01"))
            .expect("terminates");
        a
    };
    let expired = || {
        let mut a = active_with(with_review(|r| r.auto_renew = false));
        a.tick(day("2027-01-01"), at("2027-01-01"));
        a
    };
    type Act = fn(&mut Agreement) -> Result<(), DomainError>;
    let acts: Vec<(&str, Act)> = vec![
        ("update", |a| {
            a.update_draft(complete(), AUTHOR, at("2026-03-02"))
                .map(drop)
        }),
        ("submit", |a| a.submit(AUTHOR, at("2026-03-02")).map(drop)),
        ("approve", |a| {
            a.approve(APPROVER, at("2026-03-02"), day("2026-03-02"))
                .map(drop)
        }),
        ("reject", |a| {
            a.reject(APPROVER, text("no"), at("2026-03-02")).map(drop)
        }),
        ("amend", |a| {
            a.propose_amendment(complete(), None, AUTHOR, at("2026-03-02"))
                .map(drop)
        }),
        ("start review", |a| {
            a.start_review(at("2026-03-02")).map(drop)
        }),
        ("complete review", |a| {
            a.complete_review(
                ReviewOutcome::Continue,
                None,
                AUTHOR,
                day("2026-03-02"),
                at("2026-03-02"),
            )
            .map(drop)
        }),
        ("renew", |a| a.renew(at("2026-03-02")).map(drop)),
    ];
    let states: Vec<(&str, Agreement)> = vec![
        ("DRAFT", drafted(complete())),
        ("PENDING_APPROVAL", submitted(complete())),
        ("ACTIVE", active()),
        ("UNDER_REVIEW", under_review()),
        ("EXPIRED", expired()),
        ("TERMINATED", terminated()),
    ];
    let allowed = [
        ("DRAFT", "update"),
        ("DRAFT", "submit"),
        ("PENDING_APPROVAL", "approve"),
        ("PENDING_APPROVAL", "reject"),
        ("ACTIVE", "amend"),
        ("ACTIVE", "start review"),
        ("ACTIVE", "renew"),
        ("UNDER_REVIEW", "amend"),
        ("UNDER_REVIEW", "complete review"),
        ("UNDER_REVIEW", "renew"),
    ];
    for (state, agreement) in &states {
        assert_eq!(agreement.status().as_str(), *state);
        for (name, act) in &acts {
            let result = act(&mut agreement.clone());
            if allowed.contains(&(*state, *name)) {
                assert!(result.is_ok(), "{name} in {state}: {result:?}");
            } else {
                assert_eq!(expect_transition(result), *state, "{name} in {state}");
            }
        }
    }
}
