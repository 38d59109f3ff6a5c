//! Agreement use cases: draft, submit, approve (four-eyes), amend, measure, review, renew,
//! terminate, and the scheduler step. One transaction each, with audit row and events.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use rapport_domain::agreement::measurement::validate_batch;
use rapport_domain::agreement::{
    Agreement, NewMeasurement, Period, ReviewOutcome, Sections, TerminationKind, TerminationNotice,
};
use rapport_domain::events::DomainEvent;
use rapport_domain::ids::{AccountId, AgreementId};
use rapport_domain::permissions::{Action, Resource};
use rapport_domain::values::Text;
use rapport_domain::{DomainError, ValidationError};
use serde_json::{Value, json};

use super::accounts::account_scope;
use super::agreement_compute::{Source, recompute_period, refresh_compliance, termination_right};
use super::agreement_events::measurement_events;
use super::record::{Change, record};
use super::{Ctx, check_version};
use crate::error::ApiError;
use crate::global_id::{self, Kind};
use crate::store::{AuditRecord, Recorded, Store, Tx};

fn today(ctx: &Ctx<'_>) -> NaiveDate {
    ctx.now.date_naive()
}

fn snapshot(a: &Agreement) -> Value {
    let summary = a.sections().summary.as_ref();
    json!({
        "status": a.status().as_str(),
        "title": summary.map(|s| s.title.as_str()),
        "fee": summary.and_then(|s| s.fee).map(|m| json!({"amount": m.amount_string(), "currency": m.currency().as_str()})),
        "revision": a.latest_revision().number,
        "revisions": a.revisions().iter().map(|r| json!({"number": r.number, "status": r.status.as_str()})).collect::<Vec<_>>(),
        "termEnd": a.term_end().map(|d| d.to_string()),
        "termination": a.termination().map(|t| json!({"kind": t.kind.as_str(), "effectiveOn": t.effective_on.to_string()})),
        "version": a.parts().version,
    })
}

/// Checks the caller may perform `action` on the agreement's account; out of scope is NOT_FOUND.
async fn authorize_on(
    tx: &Tx,
    ctx: &Ctx<'_>,
    account: AccountId,
    action: Action,
) -> Result<(), ApiError> {
    let account = tx
        .load_account(account)
        .await?
        .ok_or(ApiError::NotFound("agreement"))?;
    let scope = Resource::Account(account_scope(&account));
    ctx.authorize(Action::ReadAgreement, &scope, "agreement")?;
    ctx.authorize(action, &scope, "agreement")
}

async fn open(
    tx: &Tx,
    ctx: &Ctx<'_>,
    id: AgreementId,
    action: Action,
    expected: Option<i32>,
) -> Result<(Agreement, Value), ApiError> {
    let agreement = tx
        .load_agreement(id)
        .await?
        .ok_or(ApiError::NotFound("agreement"))?;
    authorize_on(tx, ctx, agreement.account(), action).await?;
    if let Some(expected) = expected {
        check_version(agreement.parts().version, expected)?;
    }
    let before = snapshot(&agreement);
    Ok((agreement, before))
}

async fn finish(
    tx: Tx,
    ctx: &Ctx<'_>,
    agreement: Agreement,
    expected: i32,
    action: &'static str,
    before: Option<Value>,
    events: Vec<DomainEvent>,
) -> Result<Agreement, ApiError> {
    let saved = tx.save_agreement(agreement, expected).await?;
    refresh_compliance(&tx, &saved, today(ctx)).await?;
    record(
        &tx,
        ctx,
        Change {
            action,
            kind: Kind::Agreement,
            id: saved.id().get(),
            before,
            after: Some(snapshot(&saved)),
            events,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(saved)
}

/// Runs one rule of the aggregate on an agreement, in its own transaction: loaded, authorized
/// for `action`, checked against `expected`, changed by `rule`, saved with its audit row and
/// events.
async fn apply(
    ctx: &Ctx<'_>,
    id: AgreementId,
    expected: i32,
    action: Action,
    name: &'static str,
    rule: impl FnOnce(&mut Agreement) -> Result<Vec<DomainEvent>, DomainError>,
) -> Result<Agreement, ApiError> {
    let tx = ctx.store.begin().await?;
    let (mut agreement, before) = open(&tx, ctx, id, action, Some(expected)).await?;
    let events = rule(&mut agreement)?;
    finish(tx, ctx, agreement, expected, name, Some(before), events).await
}

/// Starts a draft for an account; any section may be left out.
pub async fn create_agreement_draft(
    ctx: &Ctx<'_>,
    account: AccountId,
    sections: Sections,
) -> Result<Agreement, ApiError> {
    let tx = ctx.store.begin().await?;
    authorize_on(&tx, ctx, account, Action::DraftAgreement)
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => ApiError::bad_input("accountId", "no such account"),
            other => other,
        })?;
    let author = ctx.caller.subject.clone();
    let now = ctx.now;
    let agreement = tx
        .insert_agreement(account, &author, now, |id| {
            Agreement::draft(id, account, sections, &author, now)
        })
        .await?;
    record(
        &tx,
        ctx,
        Change {
            action: "createAgreementDraft",
            kind: Kind::Agreement,
            id: agreement.id().get(),
            before: None,
            after: Some(snapshot(&agreement)),
            events: vec![DomainEvent::AgreementDrafted(agreement.id())],
        },
    )
    .await?;
    tx.commit().await?;
    Ok(agreement)
}

/// Replaces a draft's sections.
pub async fn update_agreement_draft(
    ctx: &Ctx<'_>,
    id: AgreementId,
    expected: i32,
    sections: Sections,
) -> Result<Agreement, ApiError> {
    apply(
        ctx,
        id,
        expected,
        Action::DraftAgreement,
        "updateAgreementDraft",
        |a| {
            Ok(vec![a.update_draft(
                sections,
                &ctx.caller.subject,
                ctx.now,
            )?])
        },
    )
    .await
}

/// Submits a draft for approval; refuses an incomplete or incoherent one listing every problem.
pub async fn submit_agreement(
    ctx: &Ctx<'_>,
    id: AgreementId,
    expected: i32,
) -> Result<Agreement, ApiError> {
    apply(
        ctx,
        id,
        expected,
        Action::DraftAgreement,
        "submitAgreement",
        |a| Ok(vec![a.submit(&ctx.caller.subject, ctx.now)?]),
    )
    .await
}

/// Approves the pending revision (four-eyes: not by its author).
pub async fn approve_agreement(
    ctx: &Ctx<'_>,
    id: AgreementId,
    expected: i32,
) -> Result<Agreement, ApiError> {
    apply(
        ctx,
        id,
        expected,
        Action::ApproveAgreement,
        "approveAgreement",
        |a| a.approve(&ctx.caller.subject, ctx.now, today(ctx)),
    )
    .await
}

/// Rejects the pending revision.
pub async fn reject_agreement(
    ctx: &Ctx<'_>,
    id: AgreementId,
    expected: i32,
    reason: Text,
) -> Result<Agreement, ApiError> {
    apply(
        ctx,
        id,
        expected,
        Action::ApproveAgreement,
        "rejectAgreement",
        |a| Ok(vec![a.reject(&ctx.caller.subject, reason, ctx.now)?]),
    )
    .await
}

/// Proposes an amendment of an agreement in force: a new revision, approved like a draft.
pub async fn propose_amendment(
    ctx: &Ctx<'_>,
    id: AgreementId,
    expected: i32,
    sections: Sections,
    change_note: Option<Text>,
) -> Result<Agreement, ApiError> {
    apply(
        ctx,
        id,
        expected,
        Action::DraftAgreement,
        "proposeAmendment",
        |a| {
            Ok(vec![a.propose_amendment(
                sections,
                change_note,
                &ctx.caller.subject,
                ctx.now,
            )?])
        },
    )
    .await
}

/// Starts a review.
pub async fn start_review(
    ctx: &Ctx<'_>,
    id: AgreementId,
    expected: i32,
) -> Result<Agreement, ApiError> {
    apply(
        ctx,
        id,
        expected,
        Action::ReviewAgreement,
        "startReview",
        |a| Ok(vec![a.start_review(ctx.now)?]),
    )
    .await
}

/// Completes a review with its outcome.
pub async fn complete_review(
    ctx: &Ctx<'_>,
    id: AgreementId,
    expected: i32,
    outcome: ReviewOutcome,
    notes: Option<Text>,
) -> Result<Agreement, ApiError> {
    apply(
        ctx,
        id,
        expected,
        Action::ReviewAgreement,
        "completeReview",
        |a| {
            Ok(vec![a.complete_review(
                outcome,
                notes,
                &ctx.caller.subject,
                today(ctx),
                ctx.now,
            )?])
        },
    )
    .await
}

/// Renews into a new term.
pub async fn renew_agreement(
    ctx: &Ctx<'_>,
    id: AgreementId,
    expected: i32,
) -> Result<Agreement, ApiError> {
    apply(
        ctx,
        id,
        expected,
        Action::ReviewAgreement,
        "renewAgreement",
        |a| Ok(vec![a.renew(ctx.now)?]),
    )
    .await
}

/// Gives notice of termination; for cause is immediate only when a termination right exists.
pub async fn terminate_agreement(
    ctx: &Ctx<'_>,
    id: AgreementId,
    expected: i32,
    kind: TerminationKind,
    reason: Text,
    effective_on: NaiveDate,
) -> Result<Agreement, ApiError> {
    let tx = ctx.store.begin().await?;
    let (mut a, before) = open(&tx, ctx, id, Action::TerminateAgreement, Some(expected)).await?;
    let right = kind == TerminationKind::ForCause
        && termination_right(&Source::Tx(&tx), &a, today(ctx)).await?;
    let notice = TerminationNotice {
        kind,
        reason,
        effective_on,
        by: ctx.caller.subject.clone(),
    };
    let event = a.terminate(notice, right, ctx.now, today(ctx))?;
    finish(
        tx,
        ctx,
        a,
        expected,
        "terminateAgreement",
        Some(before),
        vec![event],
    )
    .await
}

/// What a measurement batch did, item by item.
#[derive(Debug, Clone)]
pub struct BatchResult {
    /// The agreement after the batch.
    pub agreement: Agreement,
    /// `(index, outcome)` for every recorded (or repeated) item.
    pub recorded: Vec<(usize, Recorded)>,
    /// `(index, error)` for every refused item.
    pub errors: Vec<(usize, ValidationError)>,
}

/// Records a batch of measurements: bad items are refused one by one without dropping the good
/// ones; the same measurement sent twice changes nothing. The ledger of every touched period
/// is recomputed, and at-risk, breached and credit events are written with the batch.
pub async fn record_measurements(
    ctx: &Ctx<'_>,
    id: AgreementId,
    expected: Option<i32>,
    items: &[NewMeasurement],
) -> Result<BatchResult, ApiError> {
    if items.is_empty() || items.len() > 500 {
        return Err(ApiError::bad_input(
            "measurements",
            "send 1 to 500 measurements per batch",
        ));
    }
    let tx = ctx.store.begin().await?;
    let (agreement, _) = open(&tx, ctx, id, Action::RecordMeasurements, expected).await?;
    if !agreement.status().is_live() {
        return Err(DomainError::transition(
            agreement.status().as_str(),
            "record measurements",
            "measurements are recorded against an agreement in force",
        )
        .into());
    }
    let metrics = agreement.sections().metrics.clone().unwrap_or_default();
    let batch = validate_batch(&metrics, items, &ctx.caller.subject, ctx.now);
    let mut recorded = Vec::new();
    let mut touched: BTreeSet<Period> = BTreeSet::new();
    for (index, m) in &batch.valid {
        let outcome = tx.record_measurement(id, m, ctx.now).await?;
        if outcome != Recorded::Unchanged
            && let Some(metric) = metrics.iter().find(|x| x.key == m.metric_key)
        {
            touched.insert(Period::containing_instant(m.observed_at, metric.period));
        }
        recorded.push((*index, outcome));
    }
    recorded.extend(batch.repeats.iter().map(|(i, _)| (*i, Recorded::Unchanged)));
    recorded.sort_by_key(|(i, _)| *i);
    let mut events = Vec::new();
    if !touched.is_empty() {
        events.push(DomainEvent::MeasurementRecorded(id));
    }
    for period in &touched {
        let previous = tx.credits_of_period(id, period.start()).await?;
        let outcome = recompute_period(&tx, &agreement, period, ctx.now).await?;
        let statuses =
            super::agreement_compute::statuses_of(&Source::Tx(&tx), &agreement, period).await?;
        tx.replace_compliance(id, period, &statuses).await?;
        events.extend(measurement_events(
            &agreement, period, &statuses, &outcome, &previous,
        ));
    }
    if !events.is_empty() {
        record(
            &tx,
            ctx,
            Change {
                action: "recordMeasurements",
                kind: Kind::Agreement,
                id: id.get(),
                before: None,
                after: Some(json!({
                    "recorded": recorded.len(),
                    "refused": batch.errors.len(),
                    "periods": touched.iter().map(ToString::to_string).collect::<Vec<_>>(),
                })),
                events,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(BatchResult {
        agreement,
        recorded,
        errors: batch.errors,
    })
}

/// What one scheduler run did.
#[derive(Debug, Clone, Default)]
pub struct SchedulerReport {
    /// Agreements looked at.
    pub examined: usize,
    /// Events written.
    pub events: usize,
    /// Reviews that became due: the agreement and the day each was due on.
    pub reviews_due: Vec<(AgreementId, Option<NaiveDate>)>,
    /// Notice deadlines announced: the agreement, the days left and `cancelBy`.
    pub notice_deadlines: Vec<(AgreementId, u32, Option<NaiveDate>)>,
    /// Agreements renewed into a new term, with the new term's end.
    pub renewed: Vec<(AgreementId, Option<NaiveDate>)>,
    /// Agreements that expired at the end of their term.
    pub expired: Vec<AgreementId>,
    /// Agreements whose termination took effect.
    pub terminated: Vec<AgreementId>,
}

impl SchedulerReport {
    /// Adds what the scheduler did to one agreement (its events, after `tick`).
    fn add(
        &mut self,
        agreement: &Agreement,
        review_due_on: Option<NaiveDate>,
        events: &[DomainEvent],
    ) {
        let id = agreement.id();
        for event in events {
            match event {
                DomainEvent::ReviewDue(_) => self.reviews_due.push((id, review_due_on)),
                DomainEvent::NoticeDeadlineApproaching { days, .. } => {
                    self.notice_deadlines
                        .push((id, *days, agreement.cancel_by()));
                }
                DomainEvent::AgreementRenewed(_) => self.renewed.push((id, agreement.term_end())),
                DomainEvent::AgreementExpired(_) => self.expired.push(id),
                DomainEvent::AgreementTerminated(_) => self.terminated.push(id),
                _ => {}
            }
        }
    }

    /// Whether the run changed anything.
    fn did_something(&self) -> bool {
        !(self.reviews_due.is_empty()
            && self.notice_deadlines.is_empty()
            && self.renewed.is_empty()
            && self.expired.is_empty()
            && self.terminated.is_empty())
    }

    /// The run's audit summary: which reviews, deadlines, renewals, expiries and
    /// terminations, each agreement by its global id.
    fn summary(&self, now: DateTime<Utc>) -> Value {
        let day = |d: &Option<NaiveDate>| d.map(|d| d.to_string());
        json!({
            "ranAt": now.to_rfc3339(),
            "examined": self.examined,
            "events": self.events,
            "reviewsDue": self.reviews_due.iter().map(|(id, due)| json!({"agreementId": reference(*id), "dueOn": day(due)})).collect::<Vec<_>>(),
            "noticeDeadlines": self.notice_deadlines.iter().map(|(id, days, by)| json!({"agreementId": reference(*id), "days": days, "cancelBy": day(by)})).collect::<Vec<_>>(),
            "renewed": self.renewed.iter().map(|(id, end)| json!({"agreementId": reference(*id), "termEnd": day(end)})).collect::<Vec<_>>(),
            "expired": self.expired.iter().map(|id| reference(*id)).collect::<Vec<_>>(),
            "terminated": self.terminated.iter().map(|id| reference(*id)).collect::<Vec<_>>(),
        })
    }
}

/// Runs the time-driven transitions (review due, notice deadlines, auto-renewal, expiry,
/// scheduled terminations) for every live agreement as of `now`. Running it twice for the same
/// day writes nothing the second time; a conflicting concurrent change is simply retried on
/// the next run.
pub async fn run_scheduler(store: &Store, now: DateTime<Utc>) -> Result<SchedulerReport, ApiError> {
    let mut report = SchedulerReport::default();
    let caller = crate::auth::Caller {
        principal: rapport_domain::permissions::Principal::Staff {
            member: rapport_domain::ids::TeamMemberId::new(0),
            role: rapport_domain::role::Role::Admin,
        },
        subject: super::record::SYSTEM_SUBJECT.to_owned(),
        token_id: String::new(),
    };
    let request_id = format!("scheduler-{}", now.format("%Y%m%dT%H%M%S"));
    let ctx = Ctx {
        store,
        caller: &caller,
        request_id: &request_id,
        now,
        providers: &[],
        registry: None,
    };
    for id in store.live_agreement_ids().await? {
        report.examined += 1;
        let tx = store.begin().await?;
        let Some(mut agreement) = tx.load_agreement(id).await? else {
            continue;
        };
        let before = snapshot(&agreement);
        let version = agreement.parts().version;
        let review_due_on = agreement.next_review_on();
        let events = agreement.tick(now.date_naive(), now);
        if events.is_empty() {
            continue;
        }
        let mut done = SchedulerReport::default();
        done.add(&agreement, review_due_on, &events);
        let count = events.len();
        match finish(
            tx,
            &ctx,
            agreement,
            version,
            "scheduler",
            Some(before),
            events,
        )
        .await
        {
            Ok(_) => {
                report.events += count;
                report.reviews_due.append(&mut done.reviews_due);
                report.notice_deadlines.append(&mut done.notice_deadlines);
                report.renewed.append(&mut done.renewed);
                report.expired.append(&mut done.expired);
                report.terminated.append(&mut done.terminated);
            }
            Err(ApiError::Conflict(_)) => {}
            Err(other) => return Err(other),
        }
    }
    if report.did_something() {
        // One row that says what the run did; the per-agreement rows above keep each
        // agreement's before and after.
        let tx = store.begin().await?;
        tx.audit(AuditRecord {
            actor: caller.subject.clone(),
            action: "runScheduler",
            entity_type: "Scheduler",
            entity_id: 0,
            before: None,
            after: Some(report.summary(now)),
            request_id: request_id.clone(),
            at: now,
        })
        .await?;
        tx.commit().await?;
    }
    Ok(report)
}

/// The global id agreements are named by in messages.
pub(crate) fn reference(id: AgreementId) -> String {
    global_id::encode(Kind::Agreement, id.get())
}
