//! The scheduler step: the time-driven transitions of every live agreement, run by every
//! process of a fleet, done by one at a time.

use chrono::{DateTime, NaiveDate, Utc};
use rapport_domain::agreement::Agreement;
use rapport_domain::events::DomainEvent;
use rapport_domain::ids::AgreementId;
use serde_json::{Value, json};

use super::{finish, reference, snapshot};
use crate::error::ApiError;
use crate::service::Ctx;
use crate::store::{AuditRecord, Store};

/// What one scheduler run did.
#[derive(Debug, Clone, Default)]
pub struct SchedulerReport {
    /// Whether the run was skipped because another process of the fleet was running the
    /// scheduler.
    pub skipped: bool,
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
///
/// Every process of a fleet runs it; one at a time does the work. On PostgreSQL a run first
/// takes the scheduler's advisory lock and, when another process holds it, skips its turn
/// (`skipped` in the report). Each agreement is also saved against the version it was read
/// at, so a transition can never be written twice even by runs that overlap.
pub async fn run_scheduler(store: &Store, now: DateTime<Utc>) -> Result<SchedulerReport, ApiError> {
    let Some(lock) = store.try_lock_scheduler().await? else {
        return Ok(SchedulerReport {
            skipped: true,
            ..SchedulerReport::default()
        });
    };
    let report = run_locked(store, now).await;
    let released = lock.release().await;
    let report = report?;
    released?;
    Ok(report)
}

/// One scheduler run, under the scheduler lock.
async fn run_locked(store: &Store, now: DateTime<Utc>) -> Result<SchedulerReport, ApiError> {
    let mut report = SchedulerReport::default();
    let caller = crate::auth::Caller {
        principal: rapport_domain::permissions::Principal::Staff {
            member: rapport_domain::ids::TeamMemberId::new(0),
            role: rapport_domain::role::Role::Admin,
        },
        subject: crate::service::record::SYSTEM_SUBJECT.to_owned(),
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
