use super::*;

fn problems_of(sections: Sections) -> Vec<(String, String)> {
    match drafted(sections).submit(AUTHOR, at("2025-12-02")) {
        Err(DomainError::Incomplete(problems)) => {
            problems.into_iter().map(|p| (p.field, p.message)).collect()
        }
        other => panic!("expected the submission to be refused, got {other:?}"),
    }
}

fn fields_of(sections: Sections) -> Vec<String> {
    problems_of(sections).into_iter().map(|(f, _)| f).collect()
}

#[test]
fn a_complete_and_coherent_draft_is_submitted_for_approval() {
    let mut agreement = drafted(complete());
    let event = agreement.submit(AUTHOR, at("2025-12-02")).expect("submits");
    assert_eq!(event, DomainEvent::AgreementSubmitted(AgreementId::new(1)));
    assert_eq!(agreement.status(), AgreementStatus::PendingApproval);
    assert_eq!(
        agreement.latest_revision().status,
        RevisionStatus::PendingApproval
    );
    assert_eq!(
        agreement.latest_revision().submitted_by.as_deref(),
        Some(AUTHOR)
    );
}

#[test]
fn an_empty_draft_is_refused_naming_each_of_the_five_missing_sections() {
    assert_eq!(
        fields_of(Sections::default()),
        [
            "summary",
            "terms",
            "performance",
            "consequences",
            "reviewAndTermination"
        ]
    );
}

#[test]
fn submitting_an_incoherent_draft_lists_every_problem_at_once() {
    let mut sections = complete();
    sections.terms = None;
    if let Some(summary) = sections.summary.as_mut() {
        summary.effective_until = Some(day("2025-06-30"));
    }
    if let Some(metrics) = sections.metrics.as_mut() {
        metrics[0].warning_threshold = Some(dec("75"));
        metrics.push(metric("uptime", Comparator::AtLeast, "99", "99.5"));
    }
    if let Some(rules) = sections.consequences.as_mut() {
        rules.push(rule("csat", ConsequenceKind::Escalation));
        rules.push(ConsequenceRule {
            breaches_to_terminate: Some(3),
            within_periods: Some(2),
            ..rule("uptime", ConsequenceKind::TerminationRight)
        });
    }
    if let Some(review) = sections.review.as_mut() {
        review.review_every_months = 0;
    }
    let problems = problems_of(sections);
    let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        fields,
        [
            "summary.effectiveUntil",
            "terms",
            "performance.metrics[0].warningThreshold",
            "performance.metrics[2].key",
            "consequences[2].metricKey",
            "consequences[2].escalateTo",
            "consequences[3].breachesToTerminate",
            "reviewAndTermination.reviewEveryMonths",
        ]
    );
    assert!(problems[0].1.contains("2026-01-01"), "{problems:?}");
    assert!(
        problems[2].1.contains("below the target (60)"),
        "{problems:?}"
    );
    assert!(problems[4].1.contains("`csat`"), "{problems:?}");
}

#[test]
fn the_incomplete_error_joins_every_problem_in_its_message() {
    let err = drafted(Sections::default())
        .submit(AUTHOR, at("2025-12-02"))
        .expect_err("incomplete");
    assert_eq!(err.problems().len(), 5);
    assert!(
        err.to_string()
            .starts_with("summary: the summary section is missing; terms:")
    );
}

#[test]
fn each_coherence_rule_names_the_offending_field() {
    type Change = fn(&mut Sections);
    let cases: Vec<(&str, Change, &str)> = vec![
        (
            "no fee",
            |s| s.summary.as_mut().expect("s").fee = None,
            "summary.fee",
        ),
        (
            "no clause",
            |s| s.terms.as_mut().expect("s").clauses.clear(),
            "terms.clauses",
        ),
        (
            "no metric",
            |s| {
                s.metrics = Some(vec![]);
                s.consequences = Some(vec![]);
            },
            "performance.metrics",
        ),
        (
            "AT_LEAST warning below target",
            |s| s.metrics.as_mut().expect("s")[1].warning_threshold = Some(dec("99.5")),
            "performance.metrics[1].warningThreshold",
        ),
        (
            "percent over 100",
            |s| {
                let m = &mut s.metrics.as_mut().expect("s")[1];
                m.unit = MetricUnit::Percent;
                m.target = dec("101");
                m.warning_threshold = None;
            },
            "performance.metrics[1].target",
        ),
        (
            "credit without percent or tiers",
            |s| s.consequences.as_mut().expect("s")[0].credit_percent = None,
            "consequences[0].creditPercent",
        ),
        (
            "tiers not rising",
            |s| {
                let r = &mut s.consequences.as_mut().expect("s")[0];
                r.tiers = vec![
                    CreditTier {
                        missed_by_percent_at_least: dec("5"),
                        credit_percent: dec("10"),
                    },
                    CreditTier {
                        missed_by_percent_at_least: dec("5"),
                        credit_percent: dec("20"),
                    },
                ];
            },
            "consequences[0].tiers[1]",
        ),
        (
            "penalty in another currency",
            |s| {
                s.consequences.as_mut().expect("s").push(ConsequenceRule {
                    penalty: Some(Money::parse("p", "50", "USD").expect("usd")),
                    ..rule("uptime", ConsequenceKind::FixedPenalty)
                });
            },
            "consequences[2].penalty.currency",
        ),
        (
            "fixed penalty without amount",
            |s| {
                s.consequences
                    .as_mut()
                    .expect("s")
                    .push(rule("uptime", ConsequenceKind::FixedPenalty))
            },
            "consequences[2].penalty",
        ),
        (
            "termination right without periods",
            |s| {
                s.consequences.as_mut().expect("s").push(ConsequenceRule {
                    breaches_to_terminate: Some(2),
                    ..rule("uptime", ConsequenceKind::TerminationRight)
                });
            },
            "consequences[2].withinPeriods",
        ),
        (
            "two different caps",
            |s| {
                let rules = s.consequences.as_mut().expect("s");
                rules[0].cap_percent_per_period = Some(dec("20"));
                rules[1].cap_percent_per_period = Some(dec("30"));
            },
            "consequences[1].capPercentPerPeriod",
        ),
        (
            "auto-renew without renewal term",
            |s| s.review.as_mut().expect("s").renewal_term_months = None,
            "reviewAndTermination.renewalTermMonths",
        ),
        (
            "auto-renew when open-ended",
            |s| s.summary.as_mut().expect("s").effective_until = None,
            "reviewAndTermination.autoRenew",
        ),
        (
            "notice as long as the term",
            |s| s.review.as_mut().expect("s").notice_period_days = 365,
            "reviewAndTermination.noticePeriodDays",
        ),
    ];
    for (name, change, field) in cases {
        let mut sections = complete();
        change(&mut sections);
        assert_eq!(fields_of(sections), [field], "case: {name}");
    }
}

#[test]
fn a_notice_period_one_day_shorter_than_the_term_is_accepted() {
    let mut agreement = drafted(with_review(|r| r.notice_period_days = 364));
    assert!(agreement.submit(AUTHOR, at("2025-12-02")).is_ok());
}

#[test]
fn an_open_ended_agreement_has_no_limit_on_the_notice_period() {
    let mut sections = with_review(|r| {
        r.auto_renew = false;
        r.notice_period_days = 10_000;
    });
    if let Some(summary) = sections.summary.as_mut() {
        summary.effective_until = None;
    }
    assert!(drafted(sections).submit(AUTHOR, at("2025-12-02")).is_ok());
}

#[test]
fn a_draft_may_be_edited_until_it_is_submitted() {
    let mut agreement = drafted(Sections::default());
    let event = agreement
        .update_draft(complete(), "carol", at("2025-12-01"))
        .expect("edits");
    assert_eq!(
        event,
        DomainEvent::AgreementDraftUpdated(AgreementId::new(1))
    );
    assert_eq!(agreement.latest_revision().edited_by, ["carol"]);
    agreement.submit(AUTHOR, at("2025-12-02")).expect("submits");
    let current = expect_transition(agreement.update_draft(complete(), AUTHOR, at("2025-12-02")));
    assert_eq!(current, "PENDING_APPROVAL");
}
